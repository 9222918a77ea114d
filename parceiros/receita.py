"""Dados públicos do CNPJ na Receita Federal, por um provedor escolhido nas configurações.

Dois provedores com a mesma saída (``RegistroReceita``): ``offline`` lê um arquivo JSON do
repositório (demo e testes funcionam sem rede) e ``http`` consulta uma API no formato
BrasilAPI/minha-receita (``GET {RECEITA_URL_BASE}/cnpj/v1/<cnpj>``). Os dois falam o mesmo
JSON, lido por ``_registro``.
"""

import json
import logging
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cache
from typing import Any, Self

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from cagec.lib.documentos import normalizar_cnpj

log = logging.getLogger(__name__)

SITUACOES_INATIVAS = {"BAIXADA", "INAPTA", "SUSPENSA", "NULA"}
# Código numérico da situação cadastral na base pública do CNPJ (quando falta a descrição).
SITUACOES_POR_CODIGO = {"1": "NULA", "2": "ATIVA", "3": "SUSPENSA", "4": "INAPTA", "8": "BAIXADA"}


class CNPJNaoEncontrado(Exception):
    """A Receita não conhece o CNPJ."""


class ReceitaIndisponivel(Exception):
    """O provedor não respondeu ou respondeu algo que não dá para usar."""


@dataclass(frozen=True)
class RegistroReceita:
    cnpj: str
    razao_social: str
    nome_fantasia: str
    natureza_juridica_codigo: str
    natureza_juridica_descricao: str
    situacao_cadastral: str
    data_abertura: date | None
    cnae_principal: str
    logradouro: str
    numero: str
    complemento: str
    bairro: str
    cep: str
    municipio: str
    uf: str
    email: str
    telefone: str
    bruto: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def ativa(self) -> bool:
        """Só "ATIVA" vale: situação ausente ou desconhecida não deixa inscrever."""
        return self.situacao_cadastral == "ATIVA"

    @classmethod
    def de_dict(cls, dados: dict[str, Any]) -> Self:
        """Refaz o registro a partir de ``como_dict`` (o que a solicitação guardou)."""
        campos = {**dados, "data_abertura": _data(dados.get("data_abertura"))}
        return cls(**{k: v for k, v in campos.items() if k in cls.__dataclass_fields__})

    def como_dict(self) -> dict[str, Any]:
        """Forma guardada na solicitação (JSON), sem a resposta bruta."""
        dados = asdict(self)
        dados.pop("bruto")
        dados["data_abertura"] = self.data_abertura.isoformat() if self.data_abertura else ""
        return dados


def _texto(valor: object) -> str:
    """Texto da Receita sem caracteres de controle (quebras viram espaço)."""
    if valor in (None, ""):
        return ""
    return " ".join(
        "".join(
            " " if c.isspace() else c for c in str(valor) if c.isprintable() or c.isspace()
        ).split()
    )


def _data(valor: object) -> date | None:
    try:
        return date.fromisoformat(str(valor)[:10]) if valor else None
    except ValueError:
        return None


def _registro(bruto: dict[str, Any]) -> RegistroReceita:
    """Lê o JSON BrasilAPI/minha-receita; recusa respostas sem os campos essenciais."""
    try:
        cnpj = normalizar_cnpj(bruto["cnpj"])
        natureza = _texto(bruto["codigo_natureza_juridica"]).replace("-", "")
        razao_social = _texto(bruto["razao_social"])
    except (KeyError, TypeError, AttributeError) as erro:
        raise ReceitaIndisponivel(f"resposta sem campo essencial: {erro}") from erro
    if not (cnpj and razao_social and natureza.isascii() and natureza.isdigit()):
        raise ReceitaIndisponivel("resposta sem CNPJ, razão social ou natureza jurídica")
    natureza = natureza.zfill(4)
    situacao = _texto(bruto.get("descricao_situacao_cadastral")).upper() or (
        SITUACOES_POR_CODIGO.get(_texto(bruto.get("situacao_cadastral")), "")
    )
    tipo_logradouro = _texto(bruto.get("descricao_tipo_de_logradouro"))
    logradouro = _texto(bruto.get("logradouro"))
    cnae = bruto.get("cnae_fiscal")
    return RegistroReceita(
        cnpj=cnpj,
        razao_social=razao_social,
        nome_fantasia=_texto(bruto.get("nome_fantasia")),
        natureza_juridica_codigo=natureza,
        natureza_juridica_descricao=_texto(bruto.get("natureza_juridica")),
        situacao_cadastral=situacao,
        data_abertura=_data(bruto.get("data_inicio_atividade")),
        cnae_principal=" — ".join(
            p for p in (_texto(cnae), _texto(bruto.get("cnae_fiscal_descricao"))) if p
        ),
        logradouro=" ".join(p for p in (tipo_logradouro, logradouro) if p),
        numero=_texto(bruto.get("numero")),
        complemento=_texto(bruto.get("complemento")),
        bairro=_texto(bruto.get("bairro")),
        cep="".join(c for c in _texto(bruto.get("cep")) if c.isascii() and c.isdigit())[:8],
        municipio=_texto(bruto.get("municipio")),
        uf=_texto(bruto.get("uf")).upper()[:2],
        email=_texto(bruto.get("email")).lower(),
        telefone=_texto(bruto.get("ddd_telefone_1")),
        bruto=bruto,
    )


class ProvedorOffline:
    def __init__(self, caminho: str) -> None:
        self.caminho = caminho

    def consultar(self, cnpj: str) -> RegistroReceita:
        registros = _ler_arquivo(self.caminho)
        if cnpj not in registros:
            raise CNPJNaoEncontrado(cnpj)
        return _registro(registros[cnpj])


@cache
def _ler_arquivo(caminho: str) -> dict[str, dict[str, Any]]:
    with open(caminho, encoding="utf-8") as arquivo:
        return {normalizar_cnpj(r["cnpj"]): r for r in json.load(arquivo)}


class ProvedorHTTP:
    def __init__(self, url_base: str, tempo_limite: float, tentativas: int) -> None:
        self.url_base = url_base
        self.tempo_limite = tempo_limite
        self.sessao = requests.Session()
        # ``tentativas`` conta a primeira: o Retry do urllib3 conta só as repetições.
        # Retry-After é ignorado: um provedor pedindo minutos de espera seguraria o request.
        repeticao = Retry(
            total=max(tentativas - 1, 0),
            respect_retry_after_header=False,
            backoff_factor=0.3,
            status_forcelist=(429, 500, 502, 503, 504),
            allowed_methods=("GET",),
            raise_on_status=False,
        )
        self.sessao.mount("https://", HTTPAdapter(max_retries=repeticao))
        self.sessao.mount("http://", HTTPAdapter(max_retries=repeticao))

    def consultar(self, cnpj: str) -> RegistroReceita:
        url = f"{self.url_base}/cnpj/v1/{cnpj}"
        try:
            resposta = self.sessao.get(
                url, timeout=self.tempo_limite, headers={"Accept": "application/json"}
            )
        except requests.RequestException as erro:
            log.warning("Receita: falha ao consultar %s: %s", url, erro)
            raise ReceitaIndisponivel(str(erro)) from erro
        if resposta.status_code == 404:
            raise CNPJNaoEncontrado(cnpj)
        if resposta.status_code != 200:
            log.warning("Receita: HTTP %s em %s", resposta.status_code, url)
            raise ReceitaIndisponivel(f"HTTP {resposta.status_code}")
        try:
            return _registro(resposta.json())
        except ValueError as erro:
            raise ReceitaIndisponivel("resposta não é JSON") from erro


def provedor() -> ProvedorHTTP | ProvedorOffline:
    if settings.RECEITA_PROVEDOR == "http":
        return ProvedorHTTP(
            settings.RECEITA_URL_BASE, settings.RECEITA_TEMPO_LIMITE, settings.RECEITA_TENTATIVAS
        )
    return ProvedorOffline(settings.RECEITA_ARQUIVO)


def consultar_cnpj(cnpj: str) -> RegistroReceita:
    """Registro da Receita para um CNPJ já normalizado e válido."""
    return provedor().consultar(normalizar_cnpj(cnpj))
