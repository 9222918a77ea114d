"""Códigos de verificação (cagec.lib.codigos): geração, leitura do que a pessoa digita e exibição.

O alfabeto de referência é o base32 de Crockford, escrito aqui à mão (sem I, L, O e U), para
o teste não conferir o código contra ele mesmo.
"""

import math
import random
from collections import Counter

import pytest

from cagec.lib.codigos import formatar_codigo, gerar_codigo, normalizar_codigo

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
SORTEIOS = 10_000


@pytest.fixture(scope="module")
def sorteados():
    return [gerar_codigo() for _ in range(SORTEIOS)]


# --- gerar_codigo ----------------------------------------------------------------------------


def test_alfabeto_de_referencia_e_o_de_crockford():
    assert len(CROCKFORD) == len(set(CROCKFORD)) == 32
    assert not set("ILOU") & set(CROCKFORD)


def test_codigo_gerado_tem_16_caracteres_do_alfabeto_de_crockford(sorteados):
    for codigo in sorteados:
        assert len(codigo) == 16
        assert set(codigo) <= set(CROCKFORD), codigo


def test_cada_posicao_usa_os_32_simbolos_e_o_codigo_tem_ao_menos_80_bits(sorteados):
    """32 símbolos possíveis em cada uma das 16 posições: 16 × log2(32) = 80 bits."""
    for posicao in range(16):
        simbolos = Counter(codigo[posicao] for codigo in sorteados)
        assert set(simbolos) == set(CROCKFORD), f"posição {posicao}: {sorted(simbolos)}"
        # Uniforme: cada símbolo aparece ~312 vezes em 10 000; nenhum some ou domina.
        assert min(simbolos.values()) > 200 and max(simbolos.values()) < 450, simbolos
    bits = sum(math.log2(len({c[p] for c in sorteados})) for p in range(16))
    assert bits >= 80


def test_dez_mil_codigos_gerados_sao_todos_diferentes(sorteados):
    assert len(set(sorteados)) == SORTEIOS


def test_codigo_nao_depende_da_semente_do_modulo_random():
    """Gerado por fonte criptográfica: fixar a semente do ``random`` não repete o código."""
    random.seed(2026)
    primeiro = gerar_codigo()
    random.seed(2026)
    segundo = gerar_codigo()
    assert primeiro != segundo


def test_codigo_gerado_ja_esta_na_forma_guardada(sorteados):
    for codigo in sorteados[:500]:
        assert normalizar_codigo(codigo) == codigo


# --- normalizar_codigo -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("digitado", "guardado"),
    [
        ("ABCDEFGHJKMNPQRS", "ABCDEFGHJKMNPQRS"),
        ("abcdefghjkmnpqrs", "ABCDEFGHJKMNPQRS"),
        ("AbCd-eFgH-jKmN-pQrS", "ABCDEFGHJKMNPQRS"),
        ("ABCD EFGH JKMN PQRS", "ABCDEFGHJKMNPQRS"),
        ("  abcd - efgh - jkmn - pqrs  ", "ABCDEFGHJKMNPQRS"),
        ("ABCD\tEFGH\nJKMN\u00a0PQRS", "ABCDEFGHJKMNPQRS"),
        ("ABCD--EFGH--JKMN--PQRS", "ABCDEFGHJKMNPQRS"),
        ("0123-4567-89VW-XYZT", "0123456789VWXYZT"),
    ],
)
def test_normalizar_ignora_minusculas_espacos_e_hifens(digitado, guardado):
    assert normalizar_codigo(digitado) == guardado


@pytest.mark.parametrize(
    ("digitado", "guardado"),
    [
        ("IIII-LLLL-OOOO-AAAA", "111111110000AAAA"),
        ("iiii-llll-oooo-aaaa", "111111110000AAAA"),
        ("I1L1-O0o0-ABCD-EFGH", "11110000ABCDEFGH"),
    ],
)
def test_normalizar_troca_i_e_l_por_um_e_o_por_zero(digitado, guardado):
    assert normalizar_codigo(digitado) == guardado


@pytest.mark.parametrize(
    "digitado",
    [
        "",
        None,
        "ABCD-EFGH-JKMN-PQR",  # 15 caracteres
        "ABCD-EFGH-JKMN-PQRST",  # 17 caracteres
        "ABCDEFGHJKMNPQRSABCDEFGHJKMNPQRS",  # dois códigos colados
        "ABCD-EFGH-JKMN-PQRU",  # U não é do alfabeto de Crockford
        "uuuu-uuuu-uuuu-uuuu",
        "ABCD-EFGH-JKMN-PQR*",
        "ABCD_EFGH_JKMN_PQRS",
        "ABCD-EFGH-JKMN-PQRÉ",
        "ABCD/EFGH/JKMN/PQRS",
        "٠١٢٣-٤٥٦٧-٨٩٠١-٢٣٤٥",  # dígitos arábico-índicos
        "０１２３４５６７８９ＡＢＣＤＥＦ",  # dígitos e letras largos (fullwidth)
        "----------------",
    ],
)
def test_normalizar_recusa_tamanho_errado_e_caracteres_fora_do_alfabeto(digitado):
    assert normalizar_codigo(digitado) == ""


# --- formatar_codigo e ida e volta -----------------------------------------------------------


def test_formatar_exibe_em_quatro_grupos_de_quatro_com_hifens():
    assert formatar_codigo("ABCDEFGHJKMNPQRS") == "ABCD-EFGH-JKMN-PQRS"
    assert formatar_codigo("0123456789VWXYZT") == "0123-4567-89VW-XYZT"


def test_ida_e_volta_formatar_e_normalizar_devolve_o_codigo_guardado(sorteados):
    for codigo in sorteados[:2000]:
        exibido = formatar_codigo(codigo)
        assert len(exibido) == 19 and exibido.count("-") == 3
        assert all(len(grupo) == 4 for grupo in exibido.split("-"))
        assert exibido.replace("-", "") == codigo
        assert normalizar_codigo(exibido) == codigo
        assert normalizar_codigo(exibido.lower()) == codigo
        assert normalizar_codigo(exibido.replace("-", " ")) == codigo
