"""As colunas dos dados abertos: o dicionário de dados e a forma de cada valor.

Um registro é um dicionário com as chaves de ``NOMES`` (as mesmas no cabeçalho do CSV e no
JSON Lines). As colunas da exportação da consulta saem com as mesmas funções dela
(``formatar_cnpj``, rótulo da situação, ``rotulo_impedimento``); nenhuma coluna traz CPF ou
dado de pessoa. O dicionário mostrado em ``/dados-abertos/`` é ``COLUNAS``, com o exemplo
escrito pelas mesmas funções do arquivo.
"""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from cagec.lib.documentos import formatar_cnpj
from parceiros.models import Parceiro
from parceiros.situacao import rotulo_impedimento

_INICIO_DE_FORMULA = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Coluna:
    """Uma coluna do CSV (e chave do JSON), com o verbete do dicionário de dados."""

    nome: str
    tipo: str  # "texto", "inteiro", "booleano" ou "data e hora"
    descricao: str
    exemplo: str | int | bool | None

    @property
    def exemplo_csv(self) -> str:
        return celula_csv(self.exemplo)

    @property
    def exemplo_json(self) -> str:
        return json.dumps(self.exemplo, ensure_ascii=False)


COLUNAS = (
    Coluna(
        "numero_cadastro",
        "inteiro",
        "Número de cadastro do Parceiro no CAGEC (vazio no CSV e null no JSON se não houver).",
        1234,
    ),
    Coluna(
        "cnpj",
        "texto",
        "CNPJ formatado (numérico ou alfanumérico), como na consulta pública.",
        "18.000.001/0001-00",
    ),
    Coluna("razao_social", "texto", "Razão social na Receita Federal.", "ASSOCIAÇÃO VIDA NOVA"),
    Coluna("nome_fantasia", "texto", "Nome fantasia na Receita Federal (pode ser vazio).", ""),
    Coluna("municipio", "texto", "Município da sede, na Receita Federal.", "BELO HORIZONTE"),
    Coluna("uf", "texto", "UF da sede (duas letras).", "MG"),
    Coluna("genero", "texto", "Gênero do Tipo de Parceiro (catálogo do CAGEC).", "Privado"),
    Coluna("tipo", "texto", "Tipo de Parceiro (catálogo do CAGEC).", "Associação Privada"),
    Coluna("situacao", "texto", "Situação no CAGEC: Regular ou Irregular.", "Regular"),
    Coluna(
        "situacao_desde",
        "data e hora",
        "Quando a situação atual começou (ISO 8601, horário de Brasília); vazio se o "
        "Parceiro nunca mudou de situação desde o cadastro.",
        "2026-12-05T00:05:12-03:00",
    ),
    Coluna(
        "possui_impedimento",
        "booleano",
        "Bloqueado no CADIN-MG ou no SIAFI-MG. CSV: Sim ou Não; JSON: true ou false.",
        False,
    ),
    Coluna(
        "cadin_mg_bloqueado",
        "booleano",
        "Bloqueado no CADIN-MG (Cadastro Informativo de Inadimplência). CSV: Sim ou Não.",
        False,
    ),
    Coluna(
        "siafi_mg_bloqueado",
        "booleano",
        "Bloqueado no SIAFI-MG (situação diferente de normal). CSV: Sim ou Não.",
        False,
    ),
    Coluna(
        "motivo_impedimento",
        "texto",
        "Motivo do impedimento informado pelo Estado; vazio quando não há impedimento.",
        "",
    ),
)
NOMES = [c.nome for c in COLUNAS]
CAMPOS = (
    "pk",
    "numero_cadastro",
    "cnpj",
    "razao_social",
    "nome_fantasia",
    "municipio",
    "uf",
    "tipo__genero__nome",
    "tipo__nome",
    "situacao",
    "situacao_calculada_em",
    "cadin_bloqueado",
    "siafi_bloqueado",
    "motivo_impedimento",
)
_ROTULOS_DA_SITUACAO = dict(Parceiro.Situacao.choices)


def registro(linha: tuple[Any, ...]) -> dict[str, Any]:
    """Uma tupla do banco como o dicionário publicado (chaves de ``NOMES``, em ordem)."""
    _, numero, cnpj, razao, fantasia, municipio, uf, genero, tipo, situacao = linha[:10]
    desde, cadin, siafi, motivo = linha[10:]
    impedido = bool(cadin or siafi)
    return {
        "numero_cadastro": numero,
        "cnpj": formatar_cnpj(cnpj),
        "razao_social": razao,
        "nome_fantasia": fantasia,
        "municipio": municipio,
        "uf": uf,
        "genero": genero,
        "tipo": tipo,
        "situacao": _ROTULOS_DA_SITUACAO.get(situacao, situacao),
        "situacao_desde": _data_hora(desde),
        "possui_impedimento": impedido,
        "cadin_mg_bloqueado": bool(cadin),
        "siafi_mg_bloqueado": bool(siafi),
        "motivo_impedimento": motivo if impedido else "",
    }


def _data_hora(valor: datetime | None) -> str | None:
    return timezone.localtime(valor).isoformat(timespec="seconds") if valor else None


def celula_csv(valor: str | int | bool | None) -> str:
    """O valor no CSV: vazio, Sim/Não, número ou texto protegido contra fórmula.

    Um texto que começa com ``=``, ``+``, ``-`` ou ``@`` viraria fórmula ao abrir o CSV numa
    planilha (injeção de fórmula): ganha um apóstrofo na frente. O JSON Lines traz o original.
    """
    if valor is None:
        return ""
    if isinstance(valor, bool):
        return rotulo_impedimento(valor)
    texto = str(valor)
    return f"'{texto}" if texto.startswith(_INICIO_DE_FORMULA) else texto
