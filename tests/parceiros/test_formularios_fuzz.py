"""Propriedades dos formulários de Parceiros, pelas views reais, com entrada hostil (hypothesis).

POST no passo do CNPJ (/solicitacoes/nova/), no passo de dados (tipo e contatos), no passo
do representante legal, em Gerir responsáveis e nas datas de um documento, com texto
aleatório, Unicode (controle, RTL, emoji, NUL), cadeias enormes e CNPJ, CPF, e-mail,
telefone, endereço e datas malformados. Para todo exemplo:

* nunca 5xx (o cliente de teste relança exceções da view: um 500 aparece com traceback);
* ou 302 para o próximo passo, ou 200 com o formulário de novo, o resumo de erros em
  português no campo certo e os valores digitados preservados;
* entrada inválida não cria nem muda nada (solicitação, vínculo, documento, arquivo).

Cada valor sorteado leva a sua classificação, como em ``tests/accounts``: ``True``
(certamente válido), ``False`` (certamente inválido) ou ``None`` (texto livre). Se todos são
``True``, o POST tem de dar certo; se algum é ``False``, volta com erro naquele campo.
Cada exemplo usa um navegador novo, com IP próprio e o cache (limites por IP) limpo.
"""

import itertools
import json
import re
import string
import unicodedata
from datetime import date, timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone
from hypothesis import event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from accounts.models import Usuario
from cagec.lib.documentos import calcular_dv_cnpj, calcular_dv_cpf, formatar_cnpj
from parceiros import selectors, services
from parceiros.models import Documento, Obrigacao, Solicitacao, TipoParceiro, Vinculo

from ..accounts.test_formularios_fuzz import (
    PROPRIEDADE,
    _erros_da_pagina,
    _resumo,
    _sem_5xx,
    apresentacao_cpf,
    cpf_invalido,
    cpf_numero,
    email_invalido,
    email_valido,
    estranho,
    ip_st,
    qualquer_texto,
    telefone_invalido,
    telefone_valido,
    verificar_formulario_com_erro,
)
from ..factories import (
    CNPJ_ALFANUMERICO,
    CNPJ_BAIXADO,
    CNPJ_LIVRE,
    CNPJ_MUNICIPIO,
    UsuarioFactory,
    pdf_pequeno,
)

pytestmark = pytest.mark.django_db

T = Solicitacao.Tipo
R = Obrigacao.Regra

livre = qualquer_texto.map(lambda v: (v, None))


def _cliente(ip, pessoa):
    """Um navegador novo por exemplo, logado, com os limites por IP zerados."""
    cache.clear()
    cliente = Client(REMOTE_ADDR=ip)
    cliente.force_login(pessoa)
    return cliente


def _classificar(dados, ok, resposta, sucesso, rotulos=None):
    """302 para ``sucesso`` quando tudo é válido; senão, erro em cada campo inválido.

    ``rotulos``: campos cujo erro no resumo não tem âncora ``#id_<campo>`` (botões de
    rádio, ver ``test_views.test_resumo_de_erros_leva_ao_campo_quem``): confere o rótulo.
    """
    rotulos = rotulos or {}
    _sem_5xx(resposta)
    if all(v is True for v in ok.values()):
        assert resposta.status_code == 302, _erros_da_pagina(resposta)
    if resposta.status_code == 302:
        assert not any(v is False for v in ok.values()), ok
        assert resposta["Location"] == sucesso, resposta["Location"]
        return True
    campos_com_erro = [campo for campo, v in ok.items() if v is False]
    # <select> e rádio não são <input> de texto; um campo de data vazio volta com value="".
    visiveis = {
        c: v
        for c, v in dados.items()
        if c in ok and c not in ("tipo", "quem") and not (v == "" and _e_data(c))
    }
    verificar_formulario_com_erro(
        resposta, visiveis, campos_com_erro=[c for c in campos_com_erro if c not in rotulos]
    )
    for campo in campos_com_erro:
        if campo in rotulos:
            assert f"{rotulos[campo]}:" in _resumo(resposta), (campo, _erros_da_pagina(resposta))
    return False


def _e_data(campo):
    return campo.startswith("mandato_") or "data_" in campo


def _campos_com_erro(resposta, rotulos=None):
    resumo = _resumo(resposta)
    # Rádios apontam para a primeira opção (id_quem_0): o campo é "quem".
    com_erro = {re.sub(r"_0$", "", c) for c in re.findall(r'href="#id_(\w+)"', resumo)}
    return com_erro | {c for c, r in (rotulos or {}).items() if f"{r}:" in resumo}


def _sortear_campos(draw, campos):
    """Três modos, como em ``tests/accounts``: tudo válido, um só campo errado, ou cada
    campo sorteado à parte. ``campos``: {nome: (válidos, inválidos)}."""
    modo = draw(st.sampled_from(["valido", "um_errado", "um_errado", "misturado", "misturado"]))
    errado = draw(st.sampled_from(sorted(campos))) if modo == "um_errado" else None
    dados, ok = {}, {}
    for nome, (validos, invalidos) in campos.items():
        if modo == "misturado":
            dados[nome], ok[nome] = draw(
                st.one_of(
                    validos.map(lambda v: (v, True)), invalidos.map(lambda v: (v, False)), livre
                )
            )
        elif nome == errado:
            dados[nome], ok[nome] = draw(invalidos), False
        else:
            dados[nome], ok[nome] = draw(validos), True
    return dados, ok, modo


# =========================================================================================
# Passo 1: CNPJ
# =========================================================================================

with open(django_settings.RECEITA_ARQUIVO, encoding="utf-8") as _arquivo:
    CONHECIDOS = {r["cnpj"] for r in json.load(_arquivo)}

# CNPJ (ativo na Receita, fora do CAGEC) → resultado esperado.
LIVRES = [CNPJ_LIVRE, CNPJ_ALFANUMERICO, "A1B2C3D4000193", "07000003000174"]
INATIVOS = [CNPJ_BAIXADO, "07000007000152", "07000008000105", "07000009000141"]

base_cnpj = st.text(alphabet=string.digits + string.ascii_uppercase, min_size=12, max_size=12)
cnpj_desconhecido = (
    base_cnpj.map(lambda b: b if b != b[0] * 12 else "1" + b[1:])  # "000…" não é CNPJ
    .map(lambda b: b + calcular_dv_cnpj(b))
    .filter(lambda c: c not in CONHECIDOS)
)


@st.composite
def apresentacao_cnpj(draw, cnpj):
    """O mesmo CNPJ como uma pessoa poderia digitar ou colar (cabe nos 25 caracteres)."""
    formatado = formatar_cnpj(cnpj)
    forma = draw(
        st.sampled_from(
            [
                cnpj,
                formatado,
                formatado.lower(),
                cnpj.lower(),
                f"  {formatado}\t",
                formatado.replace(".", " "),
                f"{cnpj[:8]}/{cnpj[8:12]}-{cnpj[12:]}",
                formatado.replace("/", "\u00a0"),
            ]
        )
    )
    assert len(forma) <= 25
    return forma


def _sobrevive_a_limpeza(c):
    """Nem letra/dígito nem controle/invisível (que ``sem_controle`` apagaria)."""
    return not c.isalnum() and unicodedata.category(c)[0] != "C"


@st.composite
def cnpj_invalido(draw):
    cnpj = draw(cnpj_desconhecido)
    tipo = draw(
        st.sampled_from(["dv", "dv-letra", "repetido", "tamanho", "estranho", "enorme", "vazio"])
    )
    if tipo == "dv":
        errado = str((int(cnpj[13]) + draw(st.integers(1, 9))) % 10)
        return draw(apresentacao_cnpj(cnpj[:13] + errado))
    if tipo == "dv-letra":  # os dois verificadores são sempre números
        return draw(apresentacao_cnpj(cnpj[:13] + draw(st.sampled_from("ABZ"))))
    if tipo == "repetido":
        return draw(st.sampled_from(string.digits)) * 14
    if tipo == "tamanho":
        n = draw(st.integers(1, 25).filter(lambda n: n != 14))
        return draw(st.text(alphabet=string.digits + "ABC", min_size=n, max_size=n))
    if tipo == "estranho":
        valor = draw(apresentacao_cnpj(cnpj))
        i = draw(st.integers(0, len(valor)))
        return valor[:i] + draw(estranho.filter(_sobrevive_a_limpeza)) + valor[i:]
    if tipo == "enorme":
        return cnpj * draw(st.integers(2, 5_000))
    return draw(st.sampled_from(["", "   ", "\t\n"]))


def cnpj_st():
    """(valor digitado, classificação, resultado esperado)."""
    livres = st.sampled_from(LIVRES).flatmap(apresentacao_cnpj).map(lambda v: (v, True, "dados"))
    invalidos = cnpj_invalido().map(lambda v: (v, False, "invalido"))
    return st.one_of(
        livres,
        livres,
        st.just(CNPJ_MUNICIPIO).flatmap(apresentacao_cnpj).map(lambda v: (v, True, "vinculacao")),
        st.sampled_from(INATIVOS).flatmap(apresentacao_cnpj).map(lambda v: (v, False, "inativo")),
        cnpj_desconhecido.flatmap(apresentacao_cnpj).map(lambda v: (v, False, "desconhecido")),
        invalidos,
        invalidos,
        invalidos,
        qualquer_texto.map(lambda v: (v, None, "livre")),
    )


MENSAGENS_CNPJ = {
    "inativo": "Só organizações com CNPJ ativo podem ser inscritas no CAGEC.",
    "desconhecido": "Este CNPJ não foi encontrado na Receita Federal.",
}


@hsettings(PROPRIEDADE, max_examples=60)
@given(entrada=cnpj_st(), ip=ip_st())
def test_passo_cnpj_nunca_quebra_e_so_cria_rascunho_de_cnpj_ativo(rl, parceiro, entrada, ip):
    valor, ok, esperado = entrada
    event(f"CNPJ {esperado}")
    cliente = _cliente(ip, rl)
    antes = set(Solicitacao.objects.values_list("pk", flat=True))

    resposta = cliente.post("/solicitacoes/nova/", {"cnpj": valor})
    _sem_5xx(resposta)
    novas = Solicitacao.objects.exclude(pk__in=antes)

    if ok is True:
        assert resposta.status_code == 302, _erros_da_pagina(resposta)
    if resposta.status_code == 302:
        assert ok is not False, (valor, esperado)
        destino = resposta["Location"]
        vinculacao = re.fullmatch(r"/solicitacoes/nova/vinculacao/([0-9A-Z]{14})/", destino)
        if vinculacao:
            assert vinculacao[1] == CNPJ_MUNICIPIO
            assert not novas.exists()
        else:
            pk = int(re.fullmatch(r"/solicitacoes/(\d+)/dados/", destino)[1])
            solicitacao = Solicitacao.objects.get(pk=pk)
            assert solicitacao.solicitante == rl and solicitacao.tipo == T.INSCRICAO
            assert solicitacao.cnpj in LIVRES  # gravado na forma canônica
            assert novas.count() <= 1  # um rascunho aberto do mesmo CNPJ é reaproveitado
        if esperado in ("dados", "vinculacao"):
            assert destino.endswith("/dados/") == (esperado == "dados")
    else:
        mensagens = verificar_formulario_com_erro(
            resposta, {"cnpj": valor}, campos_com_erro=["cnpj"]
        )
        if esperado in MENSAGENS_CNPJ:
            assert any(MENSAGENS_CNPJ[esperado] in m for m in mensagens), mensagens
        if esperado == "invalido" and valor.strip():
            assert any("CNPJ inválido" in m for m in mensagens), mensagens
        assert not novas.exists()


# =========================================================================================
# Passo 2: tipo e contatos
# =========================================================================================


@pytest.fixture(autouse=True)
def _sem_cota_de_buscas_por_cpf(settings):
    """Centenas de exemplos pela mesma conta: a cota diária de buscas de pessoas por CPF
    (tests/parceiros/test_indicacao_oraculos.py) não é o assunto aqui."""
    settings.BUSCA_PESSOA_LIMITE_DIARIO = 10**6


@pytest.fixture
def inscricao(rl):
    """Rascunho de inscrição do CNPJ alfanumérico (Associação Privada, natureza 399-9)."""
    return services.iniciar_inscricao(CNPJ_ALFANUMERICO, ator=rl)


site_valido = st.one_of(
    st.just(""),
    st.builds(
        lambda esquema, nome, tld, caminho: f"{esquema}{nome}.{tld}{caminho}",
        st.sampled_from(["", "http://", "https://", "https://www.", "HTTPS://"]),
        st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=20),
        st.sampled_from(["org.br", "com.br", "mg.gov.br", "org"]),
        st.sampled_from(["", "/", "/contato", "/a?b=1", "/sobre#equipe"]),
    ),
)
site_invalido = st.sampled_from(
    [
        "http://",
        "https://",
        "exa mple.org.br",
        "javascript:alert(1)",
        "mailto:contato@exemplo.org.br",
        "http://[::1",
        "http://exemplo..org",
        "http://-exemplo.org",
        "https://" + "a" * 250 + ".org.br",
        "http://exemplo.org.br/\x00",
        "só texto",
    ]
)
PERMITIDOS = [
    "Entidade Privada Sem Fins Lucrativos",
    "Entidade Pública Federal, Entidade de Classe ou OAB",
]


def _pk_do_tipo(nome):
    return str(TipoParceiro.objects.get(nome=nome).pk)


@st.composite
def dados_st(draw):
    """Tipo (só os da natureza 399-9 valem) e contatos opcionais."""
    return _sortear_campos(
        draw,
        {
            "tipo": (
                st.sampled_from(PERMITIDOS).map(_pk_do_tipo),
                st.one_of(
                    st.just("Município").map(_pk_do_tipo),  # de outra natureza jurídica
                    st.sampled_from(["", "9" * 30, "-1", "0", "1.5", "abc"]),
                ),
            ),
            "site": (site_valido, site_invalido),
            "email_institucional": (
                st.one_of(st.just(""), email_valido()),
                email_invalido().filter(lambda v: v.strip()),
            ),
            "telefone": (
                st.one_of(st.just(""), telefone_valido()),
                telefone_invalido().filter(lambda v: v.strip()),
            ),
        },
    )


@hsettings(PROPRIEDADE, max_examples=60)
@given(entrada=dados_st(), ip=ip_st())
def test_passo_dados_nunca_quebra_e_so_salva_contatos_validos(rl, inscricao, entrada, ip):
    dados, ok, modo = entrada
    event(f"modo {modo}")
    inscricao.refresh_from_db()
    antes = (inscricao.dados, inscricao.passo)
    cliente = _cliente(ip, rl)

    resposta = cliente.post(f"/solicitacoes/{inscricao.pk}/dados/", dados)
    salvou = _classificar(
        dados, ok, resposta, sucesso=f"/solicitacoes/{inscricao.pk}/representante/"
    )
    inscricao.refresh_from_db()
    if salvou:
        contatos = inscricao.dados["contatos"]
        assert str(inscricao.dados["tipo_id"]) == dados["tipo"].strip()
        assert re.fullmatch(r"([1-9]{2}(9[0-9]{8}|[0-9]{8}))?", contatos["telefone"])
        assert contatos["site"] == "" or contatos["site"].lower().startswith(("http://", "https:"))
        assert contatos["email_institucional"] == contatos["email_institucional"].strip()
        assert inscricao.passo == "representante"
    else:
        assert (inscricao.dados, inscricao.passo) == antes
        if modo == "um_errado":  # e nenhum erro inventado nos campos certos
            assert _campos_com_erro(resposta) == {c for c, v in ok.items() if v is False}


# =========================================================================================
# Passo 3: representante legal
# =========================================================================================

_SEQUENCIA_CPF = itertools.count(200_000_001)


def _cpf_novo():
    """O hypothesis reinicia o ``random`` a cada exemplo: CPFs da fábrica se repetiriam."""
    base = f"{next(_SEQUENCIA_CPF):09d}"
    return base + calcular_dv_cpf(base)


@pytest.fixture
def pessoas(db):
    """Uma conta ativa, uma pendente de primeiro acesso e uma bloqueada."""
    ativa = UsuarioFactory(aceitou_termo=True, cpf=_cpf_novo())
    pendente = UsuarioFactory(pendente=True, cpf=_cpf_novo())
    bloqueada = UsuarioFactory(cpf=_cpf_novo())
    Usuario.objects.filter(pk=bloqueada.pk).update(situacao=Usuario.Situacao.BLOQUEADO)
    return {"ativa": ativa, "pendente": pendente, "bloqueada": bloqueada}


def _data_st(hoje, minimo, maximo):
    """Uma data entre ``hoje + minimo`` e ``hoje + maximo`` dias, em um formato aceito."""
    return st.tuples(
        st.integers(minimo, maximo).map(lambda d: hoje + timedelta(days=d)),
        st.sampled_from(["%d/%m/%Y", "%Y-%m-%d", " %d/%m/%Y ", "%-d/%-m/%Y"]),
    ).map(lambda t: (t[0].strftime(t[1]), t[0]))


data_malformada = st.one_of(
    st.sampled_from(
        [
            "31/02/2027",
            "29/02/2027",
            "2027-13-01",
            "00/00/0000",
            "99/99/9999",
            "2027/01/31",
            "31-01-2027",
            "31.01.2027",
            "1º/01/2027",
            "amanhã",
            "hoje",
            "01/01/27",
            "2027-01-01T00:00",
            "01/01/2027\x00",
            "\u202e7202/10/10",
            "😀",
        ]
    ),
    st.integers(10_000, 99_999).map(lambda ano: f"01/01/{ano}"),
    st.text(alphabet="0123456789/-", min_size=1, max_size=12).filter(
        lambda v: not re.fullmatch(r"\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{1,2}-\d{1,2}", v)
    ),
    st.builds(lambda n: "1" * n, st.integers(20_000, 100_000)),
)


def _ok_cpf(tipo_cpf, quem, quem_ok):
    """O CPF só precisa ser de conta ativa quando o representante é "outro"."""
    if tipo_cpf in ("invalido", "livre"):
        return False if tipo_cpf == "invalido" else None
    if tipo_cpf == "ativa":
        return True
    # vazio, conta pendente, bloqueada ou inexistente: só é erro para "outro".
    if quem_ok is True:
        return quem != "outro"
    return True if quem_ok is False else None  # quem inválido: o CPF nem é procurado


@st.composite
def representante_st(draw, pessoas):
    hoje = timezone.localdate()
    modo = draw(st.sampled_from(["valido", "um_errado", "um_errado", "misturado"]))
    errado = draw(st.sampled_from(["quem", "cpf", "cargo", "inicio", "fim"]))
    errado = errado if modo == "um_errado" else None

    quem_certo = draw(st.sampled_from(["eu", "outro"]))
    if errado == "quem":
        quem = (draw(st.sampled_from(["", "ele", "EU", "outra", "e u"])), False)
    elif modo == "misturado":
        quem = draw(st.one_of(st.sampled_from(["eu", "outro"]).map(lambda v: (v, True)), livre))
    else:
        quem = (quem_certo, True)

    if errado == "cpf":
        tipos = ["invalido", "pendente", "bloqueada", "desconhecido", "vazio"]
        tipo_cpf = draw(st.sampled_from(tipos if quem[0] == "outro" else ["invalido"]))
    elif modo == "misturado":
        tipo_cpf = draw(
            st.sampled_from(["vazio", "ativa", "invalido", "pendente", "desconhecido", "livre"])
        )
    else:
        tipo_cpf = "ativa" if quem[0] == "outro" else draw(st.sampled_from(["vazio", "ativa"]))
    if tipo_cpf == "vazio":
        cpf = draw(st.sampled_from(["", "  "]))
    elif tipo_cpf in ("ativa", "pendente", "bloqueada"):
        cpf = draw(apresentacao_cpf(pessoas[tipo_cpf].cpf))
    elif tipo_cpf == "desconhecido":
        sem_conta = cpf_numero.filter(lambda c: not Usuario.objects.filter(cpf=c).exists())
        cpf = draw(sem_conta.flatmap(apresentacao_cpf))
    elif tipo_cpf == "invalido":
        cpf = draw(cpf_invalido().filter(lambda v: v.strip()))
    else:
        cpf = draw(qualquer_texto)
    cpf = (cpf, _ok_cpf(tipo_cpf, *quem))

    palavras = st.lists(st.text(alphabet=string.ascii_letters + "áçãéõ", min_size=1), min_size=1)
    cargo_valido = st.builds(
        lambda ps, sep: sep.join(ps)[:100],
        palavras.filter(lambda ps: len(" ".join(ps)) <= 100),
        st.sampled_from([" ", "  ", "\t", " \n "]),
    )
    cargo_invalido = st.one_of(
        st.sampled_from(["", "   ", "\t\n", "\u200b\u202e", "\x01\x02"]),
        st.builds(lambda n: "Presidente " * n, st.integers(12, 5_000)),
    )
    if errado == "cargo":
        cargo = (draw(cargo_invalido), False)
    elif modo == "misturado":
        cargo = draw(
            st.one_of(
                cargo_valido.map(lambda v: (v, True)),
                cargo_invalido.map(lambda v: (v, False)),
                livre,
            )
        )
    else:
        cargo = (draw(cargo_valido), True)

    # Mandato válido: começa até 4 anos atrás e termina de hoje até 6 anos à frente.
    inicio_texto, inicio_data = draw(_data_st(hoje, -1460, 0))
    fim_texto, fim_data = draw(_data_st(hoje, 0, 2190))
    inicio = (inicio_texto, True)
    fim = (fim_texto, True)
    if errado == "inicio":
        inicio = (draw(data_malformada), False)
    elif errado == "fim":
        problema = draw(st.sampled_from(["malformada", "antes_do_inicio", "encerrado"]))
        if problema == "malformada":
            fim = (draw(data_malformada), False)
        elif problema == "antes_do_inicio":
            fim = (draw(_data_st(inicio_data, -3000, -1))[0], False)
        else:
            fim = (draw(_data_st(hoje, -3000, -1))[0], False)
    elif modo == "misturado":
        inicio = draw(st.one_of(st.just(inicio), data_malformada.map(lambda v: (v, False)), livre))
        fim = draw(st.one_of(st.just(fim), data_malformada.map(lambda v: (v, False)), livre))

    campos = {
        "quem": quem,
        "cpf": cpf,
        "cargo": cargo,
        "mandato_inicio": inicio,
        "mandato_fim": fim,
    }
    return {c: v for c, (v, _) in campos.items()}, {c: k for c, (_, k) in campos.items()}, modo


RADIO = {"quem": "Quem é o representante legal?"}


@hsettings(PROPRIEDADE, max_examples=60)
@given(data=st.data(), ip=ip_st())
def test_passo_representante_nunca_quebra_e_so_indica_conta_ativa(rl, inscricao, pessoas, data, ip):
    dados, ok, modo = data.draw(representante_st(pessoas), label="representante")
    event(f"modo {modo}")
    inscricao.refresh_from_db()
    antes = (inscricao.representante_legal_id, inscricao.dados, inscricao.passo)
    cliente = _cliente(ip, rl)

    resposta = cliente.post(f"/solicitacoes/{inscricao.pk}/representante/", dados)
    sucesso = f"/solicitacoes/{inscricao.pk}/documentos/"
    salvou = _classificar(dados, ok, resposta, sucesso=sucesso, rotulos=RADIO)
    inscricao.refresh_from_db()
    if salvou:
        esperado = pessoas["ativa"] if dados["quem"] == "outro" else rl
        assert inscricao.representante_legal == esperado
        rep = inscricao.dados["representante"]
        assert rep["cargo"] == " ".join(rep["cargo"].split()) and rep["cargo"]
        assert not any(ord(c) < 32 or c in "\u200b\u202e\ufeff" for c in rep["cargo"])
        inicio = date.fromisoformat(rep["mandato_inicio"])
        fim = date.fromisoformat(rep["mandato_fim"])
        assert inicio <= fim and fim >= timezone.localdate()
        assert inscricao.passo == "documentos"
    else:
        assert (inscricao.representante_legal_id, inscricao.dados, inscricao.passo) == antes
        if modo == "um_errado":  # e nenhum erro inventado nos campos certos
            esperado = {c for c, v in ok.items() if v is False}
            assert _campos_com_erro(resposta, RADIO) == esperado


# =========================================================================================
# Gerir responsáveis
# =========================================================================================


@st.composite
def responsavel_st(draw, rl, ri, pessoas):
    tipo = draw(
        st.sampled_from(
            ["nova", "nova", "pendente", "bloqueada", "desconhecido", "rl", "ja_ri", "invalido"]
            + ["livre"]
        )
    )
    if tipo == "nova":
        cpf = (None, True)  # uma conta ativa criada no exemplo (o CPF vem depois)
    elif tipo in ("pendente", "bloqueada"):
        cpf = (draw(apresentacao_cpf(pessoas[tipo].cpf)), False)
    elif tipo == "desconhecido":
        desconhecido = draw(cpf_numero.filter(lambda c: not Usuario.objects.filter(cpf=c).exists()))
        cpf = (draw(apresentacao_cpf(desconhecido)), False)
    elif tipo == "rl":
        cpf = (draw(apresentacao_cpf(rl.cpf)), False)
    elif tipo == "ja_ri":
        cpf = (draw(apresentacao_cpf(ri.cpf)), False)
    elif tipo == "invalido":
        cpf = (draw(cpf_invalido()), False)
    else:
        cpf = draw(livre)
    cargo = draw(
        st.one_of(
            st.just(("", True)),
            st.text(alphabet=string.ascii_letters + " áç", max_size=100).map(lambda v: (v, True)),
            st.builds(lambda n: "Assessor " * n, st.integers(15, 5_000)).map(lambda v: (v, False)),
            livre,
        )
    )
    return tipo, cpf, cargo


@hsettings(PROPRIEDADE, max_examples=50)
@given(data=st.data(), ip=ip_st())
def test_gerir_responsaveis_nunca_quebra_e_so_inclui_conta_ativa(
    rl, ri, parceiro, pessoas, data, ip
):
    tipo, (cpf, cpf_ok), (cargo, cargo_ok) = data.draw(responsavel_st(rl, ri, pessoas))
    event(f"CPF {tipo}")
    nova = None
    if tipo == "nova":
        nova = UsuarioFactory(cpf=_cpf_novo())
        cpf = data.draw(apresentacao_cpf(nova.cpf), label="cpf da conta nova")
    if tipo in ("rl", "ja_ri") and cargo_ok is not True:
        cpf_ok = None  # o serviço só recusa o RL ou o RI repetido com o formulário válido
    dados = {"cpf": cpf, "cargo": cargo}
    ok = {"cpf": cpf_ok, "cargo": cargo_ok}
    antes = set(Vinculo.objects.values_list("pk", "ativo"))
    url = f"/parceiros/{parceiro.cnpj}/responsaveis/"
    cliente = _cliente(ip, rl)

    resposta = cliente.post(url, dados)
    if _classificar(dados, ok, resposta, sucesso=url):
        novos = Vinculo.objects.exclude(pk__in=[pk for pk, _ in antes])
        vinculo = novos.get()
        assert (vinculo.usuario, vinculo.papel, vinculo.ativo) == (nova, Vinculo.Papel.RI, True)
        assert (
            set(Vinculo.objects.filter(pk__in=[pk for pk, _ in antes]).values_list("pk", "ativo"))
            == antes
        )
    else:
        assert set(Vinculo.objects.values_list("pk", "ativo")) == antes


@pytest.mark.parametrize(
    ("digitado", "gravado"),
    [
        ("Assessor\ttécnico", "Assessor técnico"),
        ("Assessor\n técnico", "Assessor técnico"),
        ("\u202eAssessor\x1b[31m", "Assessor[31m"),
        ("Asses\u200bsor", "Assessor"),
    ],
)
def test_cargo_do_ri_e_gravado_sem_controles_nem_quebras(client, rl, parceiro, digitado, gravado):
    nova = UsuarioFactory(cpf=_cpf_novo())
    client.force_login(rl)
    url = f"/parceiros/{parceiro.cnpj}/responsaveis/"
    resposta = client.post(url, {"cpf": nova.cpf, "cargo": digitado})
    assert resposta.status_code == 302
    assert Vinculo.objects.get(usuario=nova, parceiro=parceiro).cargo == gravado


# =========================================================================================
# Datas de um documento
# =========================================================================================


@pytest.fixture
def atualizacao(rl, parceiro, media_temporaria):
    return services.iniciar_atualizacao(parceiro, T.DOCUMENTOS, ator=rl)


@st.composite
def documento_st(draw, hoje):
    regra = draw(st.sampled_from([R.DATA_INFORMADA, R.DIAS_APOS_EMISSAO]))
    campo = "data_validade" if regra == R.DATA_INFORMADA else "data_emissao"
    if regra == R.DATA_INFORMADA:
        validas, invalidas = (0, 3650), (-3650, -1)  # vencido
    else:
        validas = (-90, 0)
        invalidas = draw(st.sampled_from([(1, 3650), (-3650, -91)]))  # futura ou vencida
    modo = draw(st.sampled_from(["valida", "valida", "fora", "malformada", "vazia", "livre"]))
    if modo == "valida":
        valor = (draw(_data_st(hoje, *validas))[0], True)
    elif modo == "fora":
        valor = (draw(_data_st(hoje, *invalidas))[0], False)
    elif modo == "malformada":
        valor = (draw(data_malformada), False)
    elif modo == "vazia":
        valor = (draw(st.sampled_from(["", "  "])), False)
    else:
        valor = draw(livre)
    arquivo = draw(
        st.one_of(
            st.just(("pdf", True)),
            st.just(("png", True)),
            st.sampled_from(["html", "vazio", "ausente"]).map(lambda v: (v, False)),
        )
    )
    return regra, campo, valor, arquivo


CONTEUDOS = {
    "pdf": pdf_pequeno(),
    "png": b"\x89PNG\r\n\x1a\n" + b"\x00" * 32,
    "html": b"<html><script>alert(1)</script></html>",
    "vazio": b"",
}


@hsettings(PROPRIEDADE, max_examples=50)
@given(data=st.data(), ip=ip_st())
def test_datas_do_documento_nunca_quebram_e_so_anexam_documento_valido(
    rl, atualizacao, media_temporaria, settings, data, ip
):
    # Os envios com data errada guardam o arquivo e contam na cota de envio: a cota não é o
    # assunto aqui (test_seguranca_armazenamento.py), e 50 exemplos passariam dela.
    settings.DOCUMENTOS_POR_HORA = settings.DOCUMENTOS_POR_DIA = 1000
    hoje = timezone.localdate()
    regra, campo, (valor, valor_ok), (arquivo, arquivo_ok) = data.draw(documento_st(hoje))
    event(f"{regra} {arquivo}")
    obrigacao = selectors.obrigacoes_da_solicitacao(atualizacao).filter(regra_validade=regra)[0]
    prefixo = f"o{obrigacao.pk}"
    dados = {"obrigacao": str(obrigacao.pk), f"{prefixo}-{campo}": valor}
    if arquivo != "ausente":
        dados[f"{prefixo}-arquivo"] = SimpleUploadedFile(f"anexo.{arquivo}", CONTEUDOS[arquivo])
    ok = {f"{prefixo}-{campo}": valor_ok, f"{prefixo}-arquivo": arquivo_ok}
    antes = sorted(Documento.objects.values_list("pk", "sha256", campo))
    arquivos_antes = sorted(Path(media_temporaria).rglob("*"))
    cliente = _cliente(ip, rl)

    resposta = cliente.post(f"/solicitacoes/{atualizacao.pk}/documentos/", dados)
    _sem_5xx(resposta)
    sucesso = (
        f"/solicitacoes/{atualizacao.pk}/documentos/?anexado={obrigacao.pk}"
        f"#obrigacao-{obrigacao.pk}"
    )
    visiveis = {f"{prefixo}-{campo}": valor} if valor != "" else {}  # data vazia: value=""
    if all(v is True for v in ok.values()):
        assert resposta.status_code == 302, _erros_da_pagina(resposta)
    if resposta.status_code == 302:
        assert resposta["Location"] == sucesso
        assert not any(v is False for v in ok.values()), ok
        documento = Documento.objects.get(solicitacao=atualizacao, obrigacao=obrigacao)
        data_gravada = getattr(documento, campo)
        if regra == R.DATA_INFORMADA:
            assert data_gravada >= hoje and documento.vence_em == data_gravada
        else:
            assert hoje - timedelta(days=90) <= data_gravada <= hoje
            assert documento.vence_em == data_gravada + timedelta(days=90)
    else:
        campos_com_erro = [c for c, v in ok.items() if v is False]
        verificar_formulario_com_erro(resposta, visiveis, campos_com_erro=campos_com_erro)
        assert sorted(Documento.objects.values_list("pk", "sha256", campo)) == antes
        # Issue #13, item 6: um arquivo aceito num envio que errou só nas datas fica guardado
        # (sem Documento) para o envio seguinte; nenhum outro arquivo novo.
        retido = cliente.session.get(f"arquivo_retido:{atualizacao.pk}:{obrigacao.pk}")
        if ok[f"{prefixo}-arquivo"] is False:
            assert retido is None
        novos = {p for p in Path(media_temporaria).rglob("*") if p.is_file()} - set(arquivos_antes)
        assert novos == ({Path(media_temporaria) / retido[0]} if retido else set())


@hsettings(PROPRIEDADE, max_examples=30)
@given(obrigacao=qualquer_texto, ip=ip_st())
def test_obrigacao_forjada_no_post_nunca_quebra_nem_anexa(rl, atualizacao, obrigacao, ip):
    cliente = _cliente(ip, rl)
    arquivo = SimpleUploadedFile("a.pdf", pdf_pequeno())
    dados = {"obrigacao": obrigacao, "o0-arquivo": arquivo}  # o0: nenhuma obrigação
    resposta = cliente.post(f"/solicitacoes/{atualizacao.pk}/documentos/", dados)
    _sem_5xx(resposta)
    assert resposta.status_code in (200, 302)
    assert not Documento.objects.exists()
