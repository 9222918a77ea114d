"""CPF, CNPJ (numérico e alfanumérico, regra da Receita de julho de 2026) e telefone.

Duas partes:

1. Tabelas (``parametrize``) com o comportamento esperado de ``cagec.lib.documentos``.
2. Conferência cruzada de alguns milhares de valores aleatórios (semente fixa) com
   python-stdnum (``stdnum.br.cpf``/``cnpj``) e validate-docbr (``CPF``/``CNPJ``).
   As bibliotecas divergem entre si em casos de borda; cada divergência conhecida está
   explicada em ``_divergencia_cpf``/``_divergencia_cnpj`` e em
   ``test_divergencias_conhecidas_entre_as_bibliotecas``, e qualquer divergência *não*
   explicada faz o teste falhar (nada é pulado em silêncio).
"""

import random
import re
import string

import pytest
from stdnum.br import cnpj as stdnum_cnpj
from stdnum.br import cpf as stdnum_cpf
from validate_docbr import CNPJ as DocbrCNPJ
from validate_docbr import CPF as DocbrCPF

from cagec.lib.documentos import (
    calcular_dv_cnpj,
    calcular_dv_cpf,
    cnpj_valido,
    cpf_valido,
    formatar_cnpj,
    formatar_cpf,
    formatar_telefone,
    mascarar_cpf,
    normalizar_cnpj,
    normalizar_cpf,
    normalizar_telefone,
    telefone_valido,
)

DOCBR_CPF = DocbrCPF()
DOCBR_CNPJ = DocbrCNPJ()
ALFANUM = string.digits + string.ascii_uppercase
# Dígitos de outros sistemas de escrita: ``\d``/``str.isdigit`` os aceitam, a Receita não.
DIGITOS_ARABES = "٠١٢٣٤٥٦٧٨٩"  # U+0660–U+0669
DIGITOS_LARGOS = "０１２３４５６７８９"  # U+FF10–U+FF19 (fullwidth)


def _arabe(digitos: str) -> str:
    return digitos.translate(str.maketrans(string.digits, DIGITOS_ARABES))


def _largo(digitos: str) -> str:
    return digitos.translate(str.maketrans(string.digits, DIGITOS_LARGOS))


# --- Referências independentes (especificação da Receita, não o código do portal) -----------


def _dv_cpf_referencia(base9: str) -> str:
    """Módulo 11, pesos 10..2 e 11..2; resto 10 vira 0."""
    d1 = sum(int(c) * p for c, p in zip(base9, range(10, 1, -1), strict=True)) * 10 % 11 % 10
    d2 = sum(int(c) * p for c, p in zip(base9 + str(d1), range(11, 1, -1), strict=True))
    return f"{d1}{d2 * 10 % 11 % 10}"


def _dv_cnpj_referencia(base12: str) -> str:
    """Valor de cada caractere = código ASCII − 48; pesos 5..2,9..2 e 6..2,9..2."""
    valores = [ord(c) - 48 for c in base12]
    dvs = ""
    for pesos in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        resto = sum(v * p for v, p in zip(valores, pesos, strict=True)) % 11
        dv = 0 if resto < 2 else 11 - resto
        dvs += str(dv)
        valores.append(dv)
    return dvs


# =========================================================================================
# CPF
# =========================================================================================

CPFS_VALIDOS = [
    "52998224725",
    "529.982.247-25",
    " 529.982.247-25 ",
    "529 982 247 25",
    "529982247-25",
    "\t529.982.247-25\n",
    "529\u00a0982\u00a0247\u00a025",  # espaço não separável (colado de PDF/Word)
    "12345678909",
    "123.456.789-09",
    "11144477735",
    "39053344705",
    "00000000191",  # zeros à esquerda são parte do CPF: nunca trate CPF como número
    "000.000.001-91",
]


@pytest.mark.parametrize("valor", CPFS_VALIDOS)
def test_cpf_valido(valor):
    assert cpf_valido(valor)


@pytest.mark.parametrize(
    "valor",
    [
        "52998224724",  # segundo DV errado
        "52998224715",  # primeiro DV errado
        "529.982.247-52",  # DVs trocados
        "11144477736",
        "12345678900",
        "00000000192",
    ],
)
def test_cpf_dv_errado(valor):
    assert not cpf_valido(valor)


@pytest.mark.parametrize("digito", string.digits)
def test_cpf_digitos_repetidos_recusado(digito):
    # Todos passam no cálculo do DV, mas a Receita não emite esses números.
    repetido = digito * 11
    assert calcular_dv_cpf(repetido[:9]) == repetido[9:]
    assert not cpf_valido(repetido)
    assert not cpf_valido(formatar_cpf(repetido))


@pytest.mark.parametrize(
    "valor",
    [
        "",
        "   ",
        None,
        "5",
        "191",  # validate-docbr completaria com zeros; o portal exige os 11 dígitos
        "5299822472",  # 10 dígitos
        "529982247250",  # 12 dígitos
        "5299822472500",
        "529.982.247-2",
        "1" * 100_000,
    ],
)
def test_cpf_tamanho_errado(valor):
    assert not cpf_valido(valor)


@pytest.mark.parametrize(
    "valor",
    [
        "5299822472A",
        "529.982.247-2X",
        "abc.def.ghi-jk",
        "529,982,247-25",  # vírgula não é pontuação de CPF
        "529_982_247_25",
        "529.982.247-25\x00",
        "\x00" + "52998224725",
        "529.982.247\u201325",  # travessão (en dash) não é hífen
        "529982\u200b24725",  # espaço de largura zero (categoria Cf, não é espaço)
        _largo("52998224725"),  # dígitos "largos": a forma armazenada é só ASCII
        _arabe("52998224725"),
        "+52998224725",
    ],
)
def test_cpf_caracteres_estranhos(valor):
    assert not cpf_valido(valor)


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [
        ("529.982.247-25", "52998224725"),
        (" 529 982 247 25 ", "52998224725"),
        ("\t529\n982\r247-25", "52998224725"),
        ("529.982.247/25", "52998224725"),  # a pontuação aceita é a mesma do CNPJ
        ("529\u00a0982\u2003247-25", "52998224725"),  # espaços Unicode também
        ("", ""),
        (None, ""),
        ("abc", "ABC"),  # não valida: só limpa
    ],
)
def test_normalizar_cpf(valor, esperado):
    assert normalizar_cpf(valor) == esperado


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [
        ("52998224725", "529.982.247-25"),
        ("529.982.247-25", "529.982.247-25"),
        (" 00000000191 ", "000.000.001-91"),
        ("123", "123"),  # tamanho errado: devolve o normalizado, sem inventar pontuação
        ("", ""),
        (None, ""),
    ],
)
def test_formatar_cpf(valor, esperado):
    assert formatar_cpf(valor) == esperado


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [
        ("12345678909", "***.456.789-**"),
        ("123.456.789-09", "***.456.789-**"),
        ("52998224725", "***.982.247-**"),
        (" 529 982 247 25 ", "***.982.247-**"),
        ("123", "***.***.***-**"),  # nada do valor aparece se o tamanho não é de CPF
        ("529982247250", "***.***.***-**"),
        ("", "***.***.***-**"),
        (None, "***.***.***-**"),
    ],
)
def test_mascarar_cpf(valor, esperado):
    assert mascarar_cpf(valor) == esperado


def test_mascarar_cpf_nunca_mostra_o_inicio_nem_os_dvs():
    gerador = random.Random(11)
    for _ in range(500):
        base = f"{gerador.randrange(10**9):09d}"
        cpf = base + _dv_cpf_referencia(base)
        mascara = mascarar_cpf(cpf)
        assert re.fullmatch(r"\*\*\*\.\d{3}\.\d{3}-\*\*", mascara)
        assert mascara[4:11] == f"{cpf[3:6]}.{cpf[6:9]}"


@pytest.mark.parametrize(
    ("base", "dv"), [("529982247", "25"), ("123456789", "09"), ("000000001", "91")]
)
def test_calcular_dv_cpf(base, dv):
    assert calcular_dv_cpf(base) == dv == _dv_cpf_referencia(base)


# =========================================================================================
# CNPJ (numérico e alfanumérico)
# =========================================================================================


@pytest.mark.parametrize(
    "valor",
    [
        "11222333000181",
        "11.222.333/0001-81",
        "16727230000197",
        "00000000000191",  # zeros à esquerda: CNPJ nunca é número
        "00.000.000/0001-91",
        # Exemplo oficial da Receita para o CNPJ alfanumérico (julho de 2026):
        "12ABC34501DE35",
        "12.ABC.345/01DE-35",
        " 12.ABC.345/01DE-35 ",
        "12 ABC 345 01DE 35",
        # Minúsculas são aceitas e normalizadas para maiúsculas:
        "12abc34501de35",
        "12.abc.345/01de-35",
        "12.aBc.345/01dE-35",
        # Outros alfanuméricos (DVs conferidos com stdnum e com a referência deste arquivo):
        "ZZZZZZZZZZZZ62",
        "A1B2C3D4E5F668",
        "AB000000000081",
        "9Z8Y7X6W5V4U29",
        "9z.8y7.x6w/5v4u-29",
    ],
)
def test_cnpj_valido(valor):
    assert cnpj_valido(valor)


@pytest.mark.parametrize(
    "valor",
    [
        "11222333000182",
        "11222333000191",
        "12ABC34501DE36",  # segundo DV errado
        "12ABC34501DE45",  # primeiro DV errado
        "12ABC34501DE53",  # DVs trocados
        "12ABD34501DE35",  # uma letra da base trocada
        "21ABC34501DE35",  # dois caracteres da base transpostos
        "ZZZZZZZZZZZZ63",
    ],
)
def test_cnpj_dv_errado(valor):
    assert not cnpj_valido(valor)


@pytest.mark.parametrize(
    "valor",
    [
        "12ABC34501DEA5",
        "12ABC34501DE3A",
        "12ABC34501DEAB",
        "12.ABC.345/01DE-3E",
        "12abc34501de3e",
        # Letras só valem na base; o DV de uma base qualquer é sempre numérico:
        "ZZZZZZZZZZZZZZ",
    ],
)
def test_cnpj_letra_no_dv_recusada(valor):
    assert not cnpj_valido(valor)


@pytest.mark.parametrize("caractere", list(ALFANUM) + ["a", "z"])
def test_cnpj_caracteres_repetidos_recusado(caractere):
    assert not cnpj_valido(caractere * 14)
    assert not cnpj_valido(formatar_cnpj(caractere * 14))


def test_cnpj_zeros_e_o_unico_repetido_com_dv_que_confere():
    # Documenta por que a regra "todos iguais" existe: 00000000000000 passaria no DV.
    com_dv_ok = [c * 14 for c in ALFANUM if _dv_cnpj_referencia(c * 12) == c * 2]
    assert com_dv_ok == ["00000000000000"]


@pytest.mark.parametrize(
    "valor",
    [
        "",
        None,
        "1122233300018",  # 13
        "112223330001811",  # 15
        "12ABC34501DE3",
        "12ABC34501DE355",
        "0" * 100_000,
    ],
)
def test_cnpj_tamanho_errado(valor):
    assert not cnpj_valido(valor)


@pytest.mark.parametrize(
    "valor",
    [
        "12ÁBC34501DE35",  # letra acentuada: maiúscula, mas fora de A–Z
        "12\u0410BC34501DE35",  # "А" cirílico, igual ao A latino na tela
        _largo("11222333000181"),
        _arabe("11222333000181"),
        "12ABC34501DE35\x00",
        "12_ABC_345_01DE_35",
        "12ABC34501DE3\u200b5",
        "12ABC345#1DE35",
    ],
)
def test_cnpj_caracteres_estranhos(valor):
    assert not cnpj_valido(valor)


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [
        ("12.abc.345/01de-35", "12ABC34501DE35"),
        ("12abc34501de35", "12ABC34501DE35"),
        (" 12 ABC 345 01DE 35\n", "12ABC34501DE35"),
        ("11.222.333/0001-81", "11222333000181"),
        ("", ""),
        (None, ""),
    ],
)
def test_normalizar_cnpj(valor, esperado):
    assert normalizar_cnpj(valor) == esperado


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [
        ("12ABC34501DE35", "12.ABC.345/01DE-35"),
        ("12abc34501de35", "12.ABC.345/01DE-35"),
        ("12.ABC.345/01DE-35", "12.ABC.345/01DE-35"),
        ("11222333000181", "11.222.333/0001-81"),
        ("00000000000191", "00.000.000/0001-91"),
        ("123", "123"),
        ("", ""),
    ],
)
def test_formatar_cnpj(valor, esperado):
    assert formatar_cnpj(valor) == esperado


@pytest.mark.parametrize(
    ("base", "dv"),
    [
        ("12ABC34501DE", "35"),
        ("12.abc.345/01de", "35"),
        ("112223330001", "81"),
        ("ZZZZZZZZZZZZ", "62"),
    ],
)
def test_calcular_dv_cnpj(base, dv):
    assert calcular_dv_cnpj(base) == dv == _dv_cnpj_referencia(normalizar_cnpj(base))


# =========================================================================================
# Telefone
# =========================================================================================


@pytest.mark.parametrize(
    ("valor", "normalizado", "formatado"),
    [
        ("(31) 3915-0000", "3139150000", "(31) 3915-0000"),
        ("3139150000", "3139150000", "(31) 3915-0000"),
        ("31 3915 0000", "3139150000", "(31) 3915-0000"),
        ("(31) 99999-9999", "31999999999", "(31) 99999-9999"),
        ("(31)99999-9999", "31999999999", "(31) 99999-9999"),
        ("31 9 9999 9999", "31999999999", "(31) 99999-9999"),
        ("+55 31 99999-9999", "31999999999", "(31) 99999-9999"),
        ("+55 (31) 3915-0000", "3139150000", "(31) 3915-0000"),
        ("5531999999999", "31999999999", "(31) 99999-9999"),
        ("553139150000", "3139150000", "(31) 3915-0000"),
        ("(11) 98765-4321", "11987654321", "(11) 98765-4321"),
        ("(99) 3222-1111", "9932221111", "(99) 3222-1111"),
        # DDD 55 (RS) sem o +55: o prefixo só é retirado com 12 ou 13 dígitos.
        ("(55) 3222-1111", "5532221111", "(55) 3222-1111"),
        ("(55) 99999-1111", "55999991111", "(55) 99999-1111"),
        ("+55 (55) 99999-1111", "55999991111", "(55) 99999-1111"),
    ],
)
def test_telefone_valido(valor, normalizado, formatado):
    assert telefone_valido(valor)
    assert normalizar_telefone(valor) == normalizado
    assert formatar_telefone(valor) == formatado


@pytest.mark.parametrize(
    "valor",
    [
        "",
        None,
        "abc",
        "(31) 3915-000",  # 9 dígitos
        "(31) 3915-00000",  # 11 dígitos sem o 9 do celular
        "(31) 83915-0000",  # celular tem de começar por 9
        "(01) 3915-0000",  # DDD começando por 0
        "(30) 3915-0000",  # DDD terminando em 0
        "031 3915 0000",  # prefixo de operadora/0 do DDD
        "0800 123 4567",
        "+1 (31) 3915-0000",
        "55 3139150",  # +55 e número curto
        "+55 31 3915 000",
        "(31) 99999-99999",  # 12 dígitos que não começam por 55
        "9" * 100_000,
    ],
)
def test_telefone_invalido(valor):
    assert not telefone_valido(valor)


@pytest.mark.parametrize(
    ("valor", "esperado"),
    [("123", "123"), ("", ""), (None, ""), ("(31) 3915-000", "313915000")],
)
def test_formatar_telefone_invalido_devolve_so_os_digitos(valor, esperado):
    assert formatar_telefone(valor) == esperado


@pytest.mark.parametrize(
    "valor",
    [_arabe("3139150000"), _largo("31999999999"), _arabe("(31) 3915-0000"), "٠٠" + "39150000"],
)
def test_telefone_digitos_nao_ascii(valor):
    normalizado = normalizar_telefone(valor)
    assert re.fullmatch(r"[0-9]*", normalizado), normalizado
    assert not telefone_valido(valor) or formatar_telefone(valor).isascii()


# =========================================================================================
# Conferência cruzada com python-stdnum e validate-docbr
# =========================================================================================

SEMENTE = 20260701
QUANTIDADE = 3000


def _repetido(compacto: str) -> bool:
    return len(compacto) > 0 and compacto == compacto[0] * len(compacto)


def _divergencia_cpf(valor: str, app: bool, stdnum: bool, docbr: bool) -> str | None:
    """Por que as três respostas não são iguais; ``None`` se forem.

    Divergências conhecidas (valores só com dígitos, ``.`` e ``-``):

    * ``stdnum``: aceita 111.111.111-11 … 999.999.999-99 (só recusa 000.000.000-00). Todos
      passam no DV, mas a Receita nunca os emite e o próprio serviço de situação cadastral
      responde "CPF incorreto". O portal e o validate-docbr recusam: **o portal está certo**.
    * ``validate-docbr``: completa com zeros à esquerda quem tem menos de 11 dígitos
      (``"191"`` vira 000.000.001-91), pensando em CPF guardado como número. Num formulário
      a pessoa digita o CPF inteiro; o portal exige os 11 dígitos e explica isso na
      mensagem: **o portal está certo** (e o cadastro nunca guarda CPF como número).
    """
    if app == stdnum == docbr:
        return None
    compacto = re.sub(r"[.\-]", "", valor)
    repetido = compacto.isdigit() and len(compacto) == 11 and _repetido(compacto)
    if repetido and stdnum and not app and not docbr:
        return "stdnum aceita dígitos repetidos"
    if compacto.isdigit() and len(compacto) < 11 and docbr and not app and not stdnum:
        return "validate-docbr completa com zeros"
    raise AssertionError(
        f"divergência não explicada para {valor!r}: portal={app} stdnum={stdnum} docbr={docbr}"
    )


def _divergencia_cnpj(valor: str, app: bool, stdnum: bool, docbr: bool) -> str | None:
    """No domínio ASCII sem espaços as três implementações concordam sempre.

    (A única base que o stdnum recusa pelo formato, 000000000000, tem DV 00 e o resultado,
    00000000000000, também é recusado pelo portal e pelo validate-docbr como repetido.)
    """
    if app == stdnum == docbr:
        return None
    raise AssertionError(
        f"divergência não explicada para {valor!r}: portal={app} stdnum={stdnum} docbr={docbr}"
    )


def _pontuar(gerador: random.Random, compacto: str, separadores: str) -> str:
    """Espalha separadores aceitos pelas três implementações em posições aleatórias."""
    saida = []
    for c in compacto:
        if gerador.random() < 0.15:
            saida.append(gerador.choice(separadores))
        saida.append(c)
    return "".join(saida)


def _mutar(gerador: random.Random, valor: str, alfabeto: str) -> str:
    """Uma troca de caractere, uma transposição, um caractere a mais ou a menos."""
    i = gerador.randrange(len(valor))
    operacao = gerador.randrange(4)
    if operacao == 0:
        return valor[:i] + gerador.choice(alfabeto.replace(valor[i], "")) + valor[i + 1 :]
    if operacao == 1 and i + 1 < len(valor):
        return valor[:i] + valor[i + 1] + valor[i] + valor[i + 2 :]
    if operacao == 2:
        return valor[:i] + gerador.choice(alfabeto) + valor[i:]
    return valor[:i] + valor[i + 1 :]


def _cpfs_aleatorios(gerador: random.Random):
    """Cadeias aleatórias (curtas, longas, com letras) e CPFs montados com DV certo."""
    for _ in range(QUANTIDADE):
        tamanho = gerador.choice([11] * 6 + list(range(0, 14)))
        alfabeto = string.digits if gerador.random() < 0.9 else string.digits + "AbX"
        compacto = "".join(gerador.choice(alfabeto) for _ in range(tamanho))
        yield _pontuar(gerador, compacto, ".-")
    for d in string.digits:
        yield d * 11
        yield formatar_cpf(d * 11)
    for _ in range(QUANTIDADE):
        base = f"{gerador.randrange(10**9):09d}"
        cpf = base + _dv_cpf_referencia(base)
        yield cpf
        yield formatar_cpf(cpf)
        yield _pontuar(gerador, cpf, ".-")
        yield _mutar(gerador, cpf, string.digits)


def _cnpjs_aleatorios(gerador: random.Random):
    alfabeto_entrada = ALFANUM + string.ascii_lowercase
    for _ in range(QUANTIDADE):
        tamanho = gerador.choice([14] * 6 + list(range(0, 17)))
        compacto = "".join(gerador.choice(alfabeto_entrada) for _ in range(tamanho))
        yield _pontuar(gerador, compacto, "./-")
    for c in ALFANUM:
        yield c * 14
    for _ in range(QUANTIDADE):
        if gerador.random() < 0.3:  # numérico tradicional
            base = "".join(gerador.choice(string.digits) for _ in range(12))
        else:
            base = "".join(gerador.choice(ALFANUM) for _ in range(12))
        cnpj = base + _dv_cnpj_referencia(base)
        yield cnpj
        yield cnpj.lower()
        yield formatar_cnpj(cnpj)
        yield _pontuar(gerador, cnpj, "./-")
        yield _mutar(gerador, cnpj, ALFANUM)
        # DV trocado por uma letra: nenhuma das três pode aceitar.
        yield cnpj[:12] + gerador.choice(string.ascii_uppercase) + cnpj[13]


def test_cpf_confere_com_stdnum_e_validate_docbr():
    gerador = random.Random(SEMENTE)
    motivos = {}
    validos = 0
    for valor in _cpfs_aleatorios(gerador):
        app = cpf_valido(valor)
        stdnum = stdnum_cpf.is_valid(valor)
        docbr = DOCBR_CPF.validate(valor)
        motivo = _divergencia_cpf(valor, app, stdnum, docbr)
        if motivo:
            motivos[motivo] = motivos.get(motivo, 0) + 1
        if app:
            validos += 1
            # Mesma forma armazenada e mesma apresentação nas três.
            assert normalizar_cpf(valor) == stdnum_cpf.compact(valor)
            assert formatar_cpf(valor) == stdnum_cpf.format(valor) == DOCBR_CPF.mask(valor)
            assert calcular_dv_cpf(normalizar_cpf(valor)[:9]) == normalizar_cpf(valor)[9:]
    # A amostra exercitou os dois lados e as duas divergências documentadas acima.
    assert validos > QUANTIDADE
    assert set(motivos) == {"stdnum aceita dígitos repetidos", "validate-docbr completa com zeros"}


def test_cnpj_confere_com_stdnum_e_validate_docbr():
    gerador = random.Random(SEMENTE)
    validos = alfanumericos = 0
    for valor in _cnpjs_aleatorios(gerador):
        app = cnpj_valido(valor)
        _divergencia_cnpj(valor, app, stdnum_cnpj.is_valid(valor), DOCBR_CNPJ.validate(valor))
        if app:
            validos += 1
            alfanumericos += not normalizar_cnpj(valor).isdigit()
            assert normalizar_cnpj(valor) == stdnum_cnpj.compact(valor)
            assert formatar_cnpj(valor) == stdnum_cnpj.format(valor) == DOCBR_CNPJ.mask(valor)
    assert validos > QUANTIDADE
    assert alfanumericos > QUANTIDADE // 2


def test_dv_cnpj_confere_com_as_bibliotecas():
    gerador = random.Random(SEMENTE + 1)
    for _ in range(QUANTIDADE):
        base = "".join(gerador.choice(ALFANUM) for _ in range(12))
        dv = calcular_dv_cnpj(base)
        assert dv == stdnum_cnpj.calc_check_digits(base) == _dv_cnpj_referencia(base)
        assert dv[0] == DOCBR_CNPJ._generate_first_digit(base)
        assert dv[1] == DOCBR_CNPJ._generate_second_digit(base + dv[0])


def test_espacos_e_maiusculas_conferem_com_stdnum():
    """Espaços: o validate-docbr recusa qualquer espaço, o stdnum e o portal os retiram.

    Por isso esta parte confere só com o stdnum. O portal está certo em aceitar: CPF/CNPJ
    colado de PDF ou e-mail vem com espaços, e a forma armazenada é a mesma.
    """
    gerador = random.Random(SEMENTE + 2)
    for _ in range(QUANTIDADE // 3):
        base = f"{gerador.randrange(10**9):09d}"
        cpf = _pontuar(gerador, base + _dv_cpf_referencia(base), " .-")
        assert cpf_valido(cpf) == stdnum_cpf.is_valid(cpf) or _repetido(normalizar_cpf(cpf))
        base = "".join(gerador.choice(ALFANUM) for _ in range(12))
        cnpj = _pontuar(gerador, (base + _dv_cnpj_referencia(base)).lower(), " ./-")
        assert cnpj_valido(cnpj) and stdnum_cnpj.is_valid(cnpj)
        assert normalizar_cnpj(cnpj) == stdnum_cnpj.compact(cnpj)


# Cada linha: valor, portal, stdnum, validate-docbr — e quem está certo.
@pytest.mark.parametrize(
    ("valor", "portal", "stdnum", "docbr"),
    [
        # Dígitos repetidos: stdnum aceita; a Receita não emite. Portal certo.
        pytest.param("11111111111", False, True, False, id="cpf-repetido"),
        pytest.param("999.999.999-99", False, True, False, id="cpf-repetido-formatado"),
        pytest.param("00000000000", False, False, False, id="cpf-zeros"),
        # Menos de 11 dígitos: validate-docbr completa com zeros. Portal certo (formulário).
        pytest.param("191", False, False, True, id="cpf-curto"),
        # Espaços: validate-docbr recusa. Portal certo (texto colado).
        pytest.param("529 982 247 25", True, True, False, id="cpf-espacos"),
        pytest.param("12 ABC 345 01DE 35", True, True, False, id="cnpj-espacos"),
        # Dígitos largos: stdnum converte para ASCII. Portal recusa com mensagem clara;
        # aceitável (ninguém digita assim no Brasil) e a forma armazenada fica só ASCII.
        pytest.param(_largo("52998224725"), False, True, False, id="cpf-digitos-largos"),
        pytest.param("１２ABC34501DE35", False, True, False, id="cnpj-digitos-largos"),
        # "/" no CPF: o portal usa a mesma limpeza do CNPJ e aceita; as bibliotecas não.
        # Inofensivo: o número e os DVs continuam sendo conferidos.
        pytest.param("529.982.247/25", True, False, False, id="cpf-barra"),
        # Repetidos no CNPJ: só 00000000000000 passaria no DV, e todos recusam.
        pytest.param("00000000000000", False, False, False, id="cnpj-zeros"),
        pytest.param("AAAAAAAAAAAAAA", False, False, False, id="cnpj-letras-repetidas"),
        pytest.param("12abc34501de35", True, True, True, id="cnpj-minusculas"),
        pytest.param("12ABC34501DEA5", False, False, False, id="cnpj-letra-no-dv"),
    ],
)
def test_divergencias_conhecidas_entre_as_bibliotecas(valor, portal, stdnum, docbr):
    compacto = re.sub(r"[\s./\-]", "", valor)
    if len(compacto) == 14:
        obtido = (cnpj_valido(valor), stdnum_cnpj.is_valid(valor), DOCBR_CNPJ.validate(valor))
    else:
        obtido = (cpf_valido(valor), stdnum_cpf.is_valid(valor), DOCBR_CPF.validate(valor))
    assert obtido == (portal, stdnum, docbr)
