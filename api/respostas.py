"""O conteúdo das respostas da API, em dicionários simples escritos com ``json`` da biblioteca
padrão (sem serializadores do DRF no caminho quente; ``api/serializers.py`` só descreve o
esquema).

Regularidade: uma fonte só com o CRC. O Parceiro é lido por
``declaracoes.crc.parceiro_do_retrato``, os itens por ``parceiros.situacao.calcular_resumido``
e os textos por ``declaracoes.crc.retrato_do_parceiro`` — os mesmos do ``Certificado.snapshot``
do dia; a resposta acrescenta só o que é de máquina (datas ISO, booleanos dos bloqueios, data
de aprovação de cada documento, desde quando vale a situação e o CRC do dia).
"""

import json
from collections.abc import Sequence
from datetime import date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone

from cagec.lib.codigos import formatar_codigo
from cagec.lib.documentos import formatar_cnpj
from declaracoes import crc
from declaracoes.models import Declaracao
from declaracoes.verificacao import Resultado
from parceiros import situacao
from parceiros.models import Parceiro

from .selectors import Chave, dados_da_declaracao, dados_do_certificado

# Sobe quando a forma da resposta muda (entra no ETag: um cliente não guarda a forma velha).
FORMATO = 1
TIPO_JSON = "application/json"


def json_resposta(dados: Any, status: int = 200, **cabecalhos: str) -> HttpResponse:
    """Uma resposta JSON sem passar pelos renderizadores do DRF (caminho quente)."""
    corpo = json.dumps(dados, ensure_ascii=False, separators=(",", ":"))
    resposta = HttpResponse(corpo.encode(), content_type=TIPO_JSON, status=status)
    for nome, valor in cabecalhos.items():
        resposta[nome.replace("_", "-")] = valor
    return resposta


@cache
def _fuso() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def iso(valor: date | datetime | None) -> str | None:
    """ISO 8601; instantes no horário de Brasília (``astimezone`` direto: ``localtime`` passa
    pelo fuso ativo do pedido, caro para cada data de cada obrigação)."""
    if isinstance(valor, datetime):
        return valor.astimezone(_fuso()).isoformat()
    return valor.isoformat() if valor else None


# --- Regularidade ----------------------------------------------------------------------------
def regularidade(chave: Chave, dia: date) -> dict[str, Any]:
    """O corpo de ``/parceiros/{cnpj}/regularidade`` (o mesmo retrato do CRC de ``dia``)."""
    parceiro = crc.parceiro_do_retrato(chave.pk)
    calculada, itens = situacao.calcular_resumido(parceiro, dia)
    retrato = crc.retrato_do_parceiro(parceiro, calculada, itens, dia)
    # A situação guardada ficou velha (um documento venceu desde o último recálculo): não se
    # sabe o instante exato da mudança; o próximo recálculo grava.
    desde = chave.situacao_desde if calculada == chave.situacao else None
    return {
        "formato": FORMATO,
        "dia": retrato["dia"],
        "cnpj": retrato["cnpj"],
        "cnpj_formatado": retrato["cnpj_formatado"],
        "numero_cadastro": retrato["numero_cadastro"],
        "razao_social": retrato["razao_social"],
        "nome_fantasia": retrato["nome_fantasia"],
        "natureza_juridica": retrato["natureza_juridica"],
        "tipo": retrato["tipo"],
        "genero": retrato["genero"],
        "endereco": retrato["endereco"],
        "situacao": retrato["situacao"],
        "situacao_display": retrato["situacao_display"],
        "situacao_desde": iso(desde),
        "situacao_mrosc": retrato["situacao_mrosc"],
        "cadin": {"bloqueado": parceiro.cadin_bloqueado, "rotulo": retrato["cadin"]},
        "siafi": {"bloqueado": parceiro.siafi_bloqueado, "rotulo": retrato["siafi"]},
        "possui_impedimento": retrato["possui_impedimento"],
        "motivo_impedimento": retrato["motivo_impedimento"],
        "representante_legal": _representante(parceiro, retrato["representante"]),
        "obrigacoes": obrigacoes(retrato["grupos"], itens),
        "crc_do_dia": _crc_do_dia(chave.codigo_crc),
        "consultado_em": iso(timezone.now()),
    }


def _representante(parceiro: Parceiro, do_retrato: dict | None) -> dict | None:
    """Nome e cargo do retrato; o fim do mandato em ISO (o retrato o tem em dd/mm/aaaa). Sem
    CPF: a subconsulta do retrato não o lê."""
    if do_retrato is None:
        return None
    dados = parceiro.rl_do_crc  # type: ignore[attr-defined]  # anotação de parceiro_do_retrato
    return {
        "nome": do_retrato["nome"],
        "cargo": do_retrato["cargo"],
        "fim_do_mandato": dados["fim"],
    }


def obrigacoes(grupos: list[dict], itens: Sequence[situacao.ItemQualquer]) -> list[dict]:
    """Os itens do retrato (na ordem do CRC: por grupo) com a validade e a aprovação em ISO.

    ``retrato_do_parceiro`` agrupa os itens pela primeira aparição do grupo; a mesma ordem
    aqui casa cada item do retrato com o seu ``ItemResumido``.
    """
    por_grupo: dict[str, list[situacao.ItemQualquer]] = {}
    for item in itens:
        por_grupo.setdefault(item.nome_do_grupo, []).append(item)
    resultado = []
    for grupo in grupos:
        for texto, item in zip(grupo["itens"], por_grupo[grupo["nome"]], strict=True):
            resultado.append(
                {
                    "grupo": grupo["nome"],
                    **texto,
                    "vence_em": iso(item.vence_em),
                    "aprovado_em": iso(item.aprovado_em),
                }
            )
    return resultado


def _crc_do_dia(codigo: str) -> dict | None:
    if not codigo:
        return None
    return {
        "codigo": codigo,
        "codigo_formatado": formatar_codigo(codigo),
        "url_verificacao": crc.url_de_verificacao(codigo),
    }


# --- Verificação -------------------------------------------------------------------------------
def verificacao(resultado: Resultado) -> dict[str, Any]:
    """O que ``/verificar/<codigo>/`` mostra, em JSON (sem o CPF do signatário)."""
    codigo = resultado.codigo
    comum = {
        "codigo": codigo,
        "codigo_formatado": formatar_codigo(codigo),
        "tipo": "crc" if resultado.e_crc else "declaracao",
        "autentico": not resultado.revogado,
        "revogado": resultado.revogado,
        "revogado_em": iso(resultado.revogado_em),
        "motivo_revogacao": resultado.motivo_revogacao if resultado.revogado else "",
        "url_pdf": _absoluta(reverse("declaracoes:original_pdf", args=[codigo])),
        "url_verificacao": crc.url_de_verificacao(codigo),
    }
    if resultado.e_crc:
        return {**comum, **_do_certificado(resultado.pk), "declaracao": None}
    return {**comum, "crc": None, **_da_declaracao(resultado.pk)}


def _absoluta(caminho: str) -> str:
    return f"{settings.PORTAL_URL_BASE}{caminho}"


def _do_certificado(pk: int) -> dict[str, Any]:
    dados = dados_do_certificado(pk)
    retrato = dados["snapshot"]
    return {
        "cnpj": retrato["cnpj"],
        "cnpj_formatado": retrato["cnpj_formatado"],
        "razao_social": retrato["razao_social"],
        "emitido_em": iso(dados["emitido_em"]),
        "sha256_pdf": dados["sha256_pdf"],
        "crc": {
            "dia": iso(dados["dia"]),
            "numero_cadastro": retrato["numero_cadastro"],
            "situacao_na_emissao": dados["situacao"],
            "situacao_na_emissao_display": Parceiro.Situacao(dados["situacao"]).label,
            "situacao_hoje": dados["situacao_hoje"],
            "situacao_hoje_display": Parceiro.Situacao(dados["situacao_hoje"]).label,
            "sha256_retrato": dados["chave"],
        },
    }


def _da_declaracao(pk: int) -> dict[str, Any]:
    dados = dados_da_declaracao(pk)
    return {
        "cnpj": dados["cnpj"],
        "cnpj_formatado": formatar_cnpj(dados["cnpj"]),
        "razao_social": dados["razao_social"],
        "emitido_em": iso(dados["assinada_em"]),
        "sha256_pdf": dados["sha256_pdf"],
        "declaracao": {
            "tipo": dados["tipo"],
            "tipo_display": Declaracao.Tipo(dados["tipo"]).label,
            "signatario": dados["signatario_nome"],
            "metodo": dados["metodo"],
            "metodo_display": Declaracao.Metodo(dados["metodo"]).label,
            "sha256_texto": dados["sha256_texto"],
        },
    }
