"""Validação de uma linha da importação: catálogo, normalização e motivos em português."""

import re
from dataclasses import dataclass
from datetime import date
from typing import Self

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from cagec.lib.busca import normalizar_busca
from cagec.lib.documentos import (
    cnpj_valido,
    cpf_valido,
    normalizar_cnpj,
    normalizar_cpf,
    normalizar_telefone,
    telefone_valido,
)

from ..models import NaturezaJuridica, TipoParceiro
from .leitura import COLUNAS, OPCIONAIS

LIMITES = {"nome": 200, "razao_social": 200, "municipio": 120, "cargo": 120, "email": 254}
UFS = {
    "AC",
    "AL",
    "AM",
    "AP",
    "BA",
    "CE",
    "DF",
    "ES",
    "GO",
    "MA",
    "MG",
    "MS",
    "MT",
    "PA",
    "PB",
    "PE",
    "PI",
    "PR",
    "RJ",
    "RN",
    "RO",
    "RR",
    "RS",
    "SC",
    "SE",
    "SP",
    "TO",
}


@dataclass(frozen=True)
class Catalogo:
    """Naturezas (código → id) e Tipos ativos (nome sem acento → (id, nome, naturezas))."""

    naturezas: dict[str, int]
    tipos: dict[str, tuple[int, str, frozenset[int]]]

    @classmethod
    def carregar(cls) -> Self:
        naturezas = dict(NaturezaJuridica.objects.values_list("codigo", "pk"))
        permitidas: dict[int, set[int]] = {}
        for tipo_id, natureza_id in TipoParceiro.naturezas.through.objects.values_list(
            "tipoparceiro_id", "naturezajuridica_id"
        ):
            permitidas.setdefault(tipo_id, set()).add(natureza_id)
        tipos = {
            normalizar_busca(nome): (pk, nome, frozenset(permitidas.get(pk, ())))
            for pk, nome in TipoParceiro.objects.filter(ativo=True).values_list("pk", "nome")
        }
        return cls(naturezas, tipos)


@dataclass(slots=True)
class Linha:
    """Uma linha válida, já normalizada."""

    linha: int
    cpf: str
    nome: str
    email: str
    telefone: str
    cnpj: str
    razao_social: str
    natureza_id: int
    tipo_id: int
    municipio: str
    uf: str
    cargo: str
    mandato_inicio: date
    mandato_fim: date
    primeira_do_cpf: bool = False

    @property
    def pessoa(self):
        return (self.nome, self.email, self.telefone)

    @property
    def organizacao(self):
        return (self.razao_social, self.natureza_id, self.tipo_id, self.municipio, self.uf)

    @property
    def mandato(self):
        return (self.cargo, self.mandato_inicio, self.mandato_fim)


# Categorias Unicode Cc (controle C0, DEL e C1) e Cs (metades de par substituto).
_CONTROLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_DATAS = (
    re.compile(r"(?P<d>[0-9]{2})/(?P<m>[0-9]{2})/(?P<a>[0-9]{4})"),
    re.compile(r"(?P<a>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"),
)


def _invalido(texto):
    return _CONTROLE.search(texto) is not None


def _data(texto):
    """dd/mm/aaaa ou aaaa-mm-dd, de 1900 a 2100; None se não for uma data."""
    for formato in _DATAS:
        partes = formato.fullmatch(texto)
        if partes is None:
            continue
        try:
            valor = date(int(partes["a"]), int(partes["m"]), int(partes["d"]))
        except ValueError:
            return None
        return valor if 1900 <= valor.year <= 2100 else None
    return None


def validar_linha(valores, catalogo, numero=0):
    """(``Linha`` ou None, [(coluna, motivo em português)]). Nunca levanta exceção."""
    if "_colunas" in valores:
        tem, esperado = valores["_colunas"]
        return None, [
            ("linha", f"A linha tem {tem} colunas e o cabeçalho, {esperado} (confira o separador).")
        ]
    erros = []
    dados = _textos(valores, erros)
    cpf, telefone, cnpj = _identificadores(dados, erros)
    natureza_id, tipo_id = _natureza_e_tipo(dados, catalogo, erros)
    uf = dados["uf"].upper()
    if uf and uf not in UFS:
        erros.append(("uf", "UF inválida (use a sigla, por exemplo MG)"))
    inicio, fim = _mandato(dados, erros)
    if erros:
        return None, erros
    return (
        Linha(
            linha=numero,
            cpf=cpf,
            nome=dados["nome"],
            email=dados["email"],
            telefone=telefone,
            cnpj=cnpj,
            razao_social=dados["razao_social"],
            natureza_id=natureza_id,
            tipo_id=tipo_id,
            municipio=dados["municipio"],
            uf=uf,
            cargo=dados["cargo"],
            mandato_inicio=inicio,
            mandato_fim=fim,
        ),
        [],
    )


def _textos(valores, erros):
    """Cada coluna como texto de uma linha só; vazio, longo demais ou com controle vira erro."""
    dados = {}
    for coluna in COLUNAS:
        texto = " ".join(str(valores.get(coluna) or "").split())
        if _invalido(texto):
            erros.append((coluna, "contém caracteres de controle"))
            texto = ""
        elif not texto and coluna not in OPCIONAIS:
            erros.append((coluna, "campo obrigatório em branco"))
        elif coluna in LIMITES and len(texto) > LIMITES[coluna]:
            erros.append((coluna, f"mais de {LIMITES[coluna]} caracteres"))
            texto = ""
        dados[coluna] = texto
    return dados


def _identificadores(dados, erros):
    """(cpf, telefone, cnpj) normalizados; e-mail conferido."""
    cpf = normalizar_cpf(dados["cpf"])
    if dados["cpf"] and not cpf_valido(cpf):
        motivo = "deve ter 11 dígitos" if not re.fullmatch(r"[0-9]{11}", cpf) else None
        erros.append(("cpf", motivo or "dígitos verificadores não conferem"))
    if dados["email"]:
        try:
            validate_email(dados["email"])
        except ValidationError:
            erros.append(("email", "e-mail inválido"))
    telefone = normalizar_telefone(dados["telefone"])
    if dados["telefone"] and not telefone_valido(telefone):
        erros.append(("telefone", "telefone inválido (DDD + 8 ou 9 dígitos)"))
    cnpj = normalizar_cnpj(dados["cnpj"])
    if dados["cnpj"] and not cnpj_valido(cnpj):
        forma = re.fullmatch(r"[0-9A-Z]{12}[0-9]{2}", cnpj)
        erros.append(
            ("cnpj", "dígitos verificadores não conferem" if forma else "deve ter 14 caracteres")
        )
    return cpf, telefone, cnpj


def _natureza_e_tipo(dados, catalogo, erros):
    """(natureza_id, tipo_id) pelo catálogo; o tipo precisa ser permitido para a natureza."""
    natureza_id = None
    codigo = re.sub(r"[\s.\-]", "", dados["natureza_juridica"])
    if dados["natureza_juridica"]:
        if not re.fullmatch(r"[0-9]{4}", codigo):
            erros.append(("natureza_juridica", "formato inválido (use 124-4 ou 1244)"))
        elif codigo not in catalogo.naturezas:
            erros.append(
                ("natureza_juridica", f"{codigo[:3]}-{codigo[3:]} não existe na tabela da Receita")
            )
        else:
            natureza_id = catalogo.naturezas[codigo]
    tipo_id = None
    if dados["tipo"]:
        tipo = catalogo.tipos.get(normalizar_busca(dados["tipo"]))
        if tipo is None:
            erros.append(("tipo", f"tipo de parceiro desconhecido: “{dados['tipo'][:80]}”"))
        elif natureza_id is not None and natureza_id not in tipo[2]:
            erros.append(
                (
                    "tipo",
                    f"“{tipo[1]}” não é permitido para a natureza jurídica "
                    f"{codigo[:3]}-{codigo[3:]}",
                )
            )
        else:
            tipo_id = tipo[0]
    return natureza_id, tipo_id


def _mandato(dados, erros):
    """(início, fim) do mandato; datas inválidas ou fim antes do início viram erro."""
    datas = {}
    for coluna in ("mandato_inicio", "mandato_fim"):
        if dados[coluna]:
            datas[coluna] = _data(dados[coluna])
            if datas[coluna] is None:
                erros.append((coluna, "data em formato inválido (use dd/mm/aaaa ou aaaa-mm-dd)"))
    inicio, fim = datas.get("mandato_inicio"), datas.get("mandato_fim")
    if inicio and fim and fim < inicio:
        erros.append(("mandato_fim", "o fim do mandato é anterior ao início"))
    return inicio, fim
