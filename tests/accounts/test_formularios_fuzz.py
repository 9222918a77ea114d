"""Propriedades dos formulários públicos, pelas views reais, com entrada hostil (hypothesis).

POST em /inscricao/, /entrar/, /recuperar-senha/ e /primeiro-acesso/<token>/ com texto
aleatório, Unicode (controle, RTL, emoji, NUL), cadeias de 20–100 mil caracteres e CPF,
e-mail e telefone malformados. Para todo exemplo:

* nunca 5xx (o cliente de teste relança exceções da view, então um 500 aparece com traceback);
* ou 302 para a página de sucesso, ou 200 com o formulário de novo, o resumo de erros
  (``id="resumo-erros"``) em português e os valores digitados preservados — menos as senhas,
  que nunca voltam para a página;
* entrada inválida não cria conta, não ativa conta e não gasta token.

Cada valor sorteado leva a sua classificação: ``True`` (certamente válido), ``False``
(certamente inválido) ou ``None`` (texto livre: pode ser qualquer coisa). Se todos os campos
são ``True``, o POST tem de dar certo; se algum é ``False``, tem de voltar com erro naquele
campo.

Os limites por IP (django-ratelimit, no cache) e o bloqueio por CPF (django-axes) valem entre
exemplos do mesmo teste: cada exemplo limpa o cache, zera o axes e usa um IP próprio.
"""

import html
import itertools
import re
import string
import unicodedata
from urllib.parse import urljoin, urlsplit

import pytest
from axes.utils import reset as axes_reset
from django.conf import settings as django_settings
from django.contrib.auth import password_validation
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.test import Client, TestCase, override_settings
from django.utils.html import escape
from hypothesis import HealthCheck, currently_in_test_context, event, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from stdnum.br import cpf as stdnum_cpf

from accounts import services
from accounts.models import Usuario
from cagec.core.models import EmailSaida, TokenAcesso
from cagec.lib.documentos import calcular_dv_cpf, formatar_cpf

from ..factories import SENHA, UsuarioFactory

pytestmark = pytest.mark.django_db

F = TokenAcesso.Finalidade

# derandomize: a mesma sequência de exemplos em toda execução (nada de teste intermitente no
# CI); database=None: nada de pasta .hypothesis no repositório.
PROPRIEDADE = hsettings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# --- Texto hostil ---------------------------------------------------------------------------

PEDACOS_HOSTIS = [
    "\x00",
    "\x01",
    "\x1b[31m",
    "\x7f",
    "\x85",
    "\x1c",  # separador de arquivo: str.isspace() é True
    "\r\n",
    "\r",
    "\t",
    "\u00a0",
    "\u2028",
    "\u202e",  # RTL override
    "\u200f",  # RLM
    "\u061c",
    "\u200b",
    "\u200d",
    "\ufeff",
    "\ufffd",
    "\U0010ffff",
    "😀",
    "👩‍👩‍👧‍👦",
    "🇧🇷",
    "שלום",
    "مرحبا",
    "٣١٩",
    "３１９",
    "ç",
    "Ã",
    "e\u0301",
    "ß",
    "ı",
    "<script>alert(1)</script>",
    "&amp;",
    '"',
    "'",
    "{{ x }}",
    "{% now 'Y' %}",
    "%s%n",
    "' OR 1=1 --",
    "../",
    "@",
    "@@",
    ".",
    "-",
    "/",
    " ",
]

texto_hostil = st.lists(
    st.one_of(st.text(max_size=6), st.sampled_from(PEDACOS_HOSTIS)), max_size=8
).map("".join)

# 20 a 100 mil caracteres: repetição de um pedaço (gerar 100k caracteres um a um é lento).
texto_enorme = st.builds(
    lambda pedaco, n: (pedaco * (n // len(pedaco) + 1))[:n],
    st.sampled_from(["9", "a", "😀", "\u202e", "1.", "x@y.", "\x00", "Ana Souza "]),
    st.integers(20_000, 100_000),
)

qualquer_texto = st.one_of(texto_hostil, texto_hostil, texto_hostil, texto_enorme)
livre = qualquer_texto.map(lambda v: (v, None))

# Caracteres que sobrevivem a qualquer normalização e nunca formam um CPF/telefone válido.
estranho = st.one_of(
    st.sampled_from([c for c in "".join(PEDACOS_HOSTIS) if not c.isspace() and c not in "./-"]),
    st.sampled_from(list(string.ascii_letters + "#_,;:+*")),
).filter(lambda c: not ("0" <= c <= "9"))


def _inserir(draw, valor, pedaco):
    i = draw(st.integers(0, len(valor)))
    return valor[:i] + pedaco + valor[i:]


# --- CPF ----------------------------------------------------------------------------------


def _cpf_de(base: str) -> str:
    return base + calcular_dv_cpf(base)


cpf_numero = (
    st.text(alphabet=string.digits, min_size=9, max_size=9)
    .filter(lambda b: len(set(b)) > 1)
    .map(_cpf_de)
)


@st.composite
def apresentacao_cpf(draw, cpf):
    """O mesmo CPF como uma pessoa poderia digitar ou colar (cabe nos 20 caracteres)."""
    forma = draw(
        st.sampled_from(
            [
                cpf,
                formatar_cpf(cpf),
                f"{cpf[:3]} {cpf[3:6]} {cpf[6:9]} {cpf[9:]}",
                f"  {formatar_cpf(cpf)}\t",
                f"{cpf[:9]}-{cpf[9:]}",
                formatar_cpf(cpf).replace(".", "\u00a0"),
            ]
        )
    )
    assert len(forma) <= 20
    return forma


@st.composite
def cpf_invalido(draw):
    cpf = draw(cpf_numero)
    tipo = draw(st.sampled_from(["dv", "repetido", "tamanho", "estranho", "enorme", "vazio"]))
    if tipo == "dv":
        errado = str((int(cpf[10]) + draw(st.integers(1, 9))) % 10)
        return draw(apresentacao_cpf(cpf[:10] + errado))
    if tipo == "repetido":
        return draw(apresentacao_cpf(draw(st.sampled_from(string.digits)) * 11))
    if tipo == "tamanho":
        n = draw(st.integers(0, 20).filter(lambda n: n != 11))
        return draw(st.text(alphabet=string.digits, min_size=n, max_size=n))
    if tipo == "estranho":
        return _inserir(draw, draw(apresentacao_cpf(cpf)), draw(estranho))
    if tipo == "enorme":
        return cpf * 10_000
    return draw(st.sampled_from(["", "   ", "\t\n"]))


def cpf_st(validos=cpf_numero):
    return st.one_of(
        validos.flatmap(apresentacao_cpf).map(lambda v: (v, True)),
        cpf_invalido().map(lambda v: (v, False)),
        livre,
    )


# --- Nome -----------------------------------------------------------------------------------

letra = st.characters(categories=["Lu", "Ll", "Lo"])
palavra = st.text(alphabet=letra, min_size=1, max_size=12)
ruido_invisivel = st.sampled_from(["\u202e", "\u200f", "\u200b", "\ufeff", "\x01"])


@st.composite
def nome_valido(draw):
    palavras = draw(st.lists(palavra, min_size=2, max_size=4))
    espacos = [" ", "  ", "\u00a0", "\u3000", " \n ", "\t", "\r\n"]
    separadores = [draw(st.sampled_from(espacos)) for _ in palavras]
    nome = "".join(s + p for s, p in zip(separadores, palavras, strict=True))
    if draw(st.booleans()):
        nome = _inserir(draw, nome, draw(ruido_invisivel))
    return nome


@st.composite
def nome_invalido(draw):
    tipo = draw(st.sampled_from(["uma", "digito", "vazio", "controle", "longo", "nul"]))
    if tipo == "uma":
        return draw(palavra)
    if tipo == "digito":
        return _inserir(draw, draw(nome_valido()), draw(st.sampled_from("0123456789")))
    if tipo == "vazio":
        return draw(st.sampled_from(["", "   ", "\u202e\u200f", "\x01\x02 \x03"]))
    if tipo == "controle":
        return "Ana\x00 Souza" if draw(st.booleans()) else "\x00"
    if tipo == "longo":
        return "Ana Souza " * draw(st.integers(21, 10_000))
    return _inserir(draw, draw(nome_valido()), "\x00")


nome_st = st.one_of(
    nome_valido().map(lambda v: (v, True)),
    nome_invalido().map(lambda v: (v, False)),
    livre,
)


# --- E-mail ---------------------------------------------------------------------------------

atomo = st.text(alphabet=string.ascii_lowercase + string.digits, min_size=1, max_size=10)


@st.composite
def email_valido(draw):
    local = ".".join(draw(st.lists(atomo, min_size=1, max_size=3)))
    if draw(st.booleans()):
        local += draw(st.sampled_from(["+cagec", "_x", "-mg"]))
    dominio = ".".join(draw(st.lists(atomo, min_size=1, max_size=3)))
    tld = draw(st.sampled_from(["com", "br", "com.br", "gov.br", "mg.gov.br", "org"]))
    return f"{local}@{dominio}.{tld}"


def variar_caixa(draw, email):
    email = "".join(c.upper() if draw(st.booleans()) else c for c in email)
    return draw(st.sampled_from(["", " ", "\t"])) + email + draw(st.sampled_from(["", " ", "\n"]))


@st.composite
def email_invalido(draw):
    base = draw(email_valido())
    local, dominio = base.split("@")
    return draw(
        st.sampled_from(
            [
                local,  # sem @
                "@" + dominio,
                f"{local}@@{dominio}",
                f"{local}@{dominio}@{dominio}",
                f"{local} x@{dominio}",
                f"{local}@",
                f"{local}@{dominio}.",
                f"{local}@-{dominio}",
                f"ção{local}@{dominio}",  # parte local não ASCII (sem SMTPUTF8 no Django)
                f"{local}\x00@{dominio}",
                "a" * 250 + f"@{dominio}",  # mais de 254 caracteres
                "",
                "   ",
            ]
        )
    )


email_st = st.one_of(
    email_valido().map(lambda v: (v, True)),
    email_invalido().map(lambda v: (v, False)),
    livre,
)


# --- Telefone -------------------------------------------------------------------------------

digito_nao_zero = st.sampled_from("123456789")


@st.composite
def telefone_valido(draw):
    ddd = draw(digito_nao_zero) + draw(digito_nao_zero)
    celular = draw(st.booleans())
    numero = ("9" if celular else "") + draw(
        st.text(alphabet=string.digits, min_size=8, max_size=8)
    )
    meio = len(numero) - 4
    return draw(
        st.sampled_from(
            [
                ddd + numero,
                f"({ddd}) {numero[:meio]}-{numero[meio:]}",
                f"({ddd}){numero}",
                f"+55 {ddd} {numero[:meio]} {numero[meio:]}",
                f"+55 ({ddd}) {numero[:meio]}-{numero[meio:]}",
                f"55{ddd}{numero}",
                f" {ddd} {numero} ",
            ]
        )
    )


@st.composite
def telefone_invalido(draw):
    digitos = st.text(alphabet=string.digits, min_size=1, max_size=1)
    tipo = draw(st.sampled_from(["curto", "ddd0", "celular", "longo", "letras", "enorme", "nul"]))
    if tipo == "curto":
        n = draw(st.integers(0, 9))
        return draw(st.text(alphabet=string.digits, min_size=n, max_size=n))
    if tipo == "ddd0":
        ddd = draw(st.sampled_from(["0" + draw(digitos), draw(digitos) + "0"]))
        return ddd + draw(st.text(alphabet=string.digits, min_size=8, max_size=9))
    if tipo == "celular":  # 11 dígitos, o terceiro não é 9
        ddd = draw(digito_nao_zero) + draw(digito_nao_zero)
        return ddd + draw(st.sampled_from("012345678")) + "1234" + "5678"
    if tipo == "longo":  # 14+ dígitos: nem o +55 salva
        return draw(st.text(alphabet=string.digits, min_size=14, max_size=20))
    if tipo == "letras":
        return draw(st.text(alphabet=string.ascii_letters + "()- +", min_size=1, max_size=20))
    if tipo == "enorme":
        return "9" * draw(st.integers(26, 100_000))
    return "(31) 3915\x00-0000"


telefone_st = st.one_of(
    telefone_valido().map(lambda v: (v, True)),
    telefone_invalido().map(lambda v: (v, False)),
    livre,
)


# --- Senha ----------------------------------------------------------------------------------

senha_forte = st.builds(
    lambda meio, simbolo: "Qz" + meio + simbolo + "7k",
    st.text(alphabet=string.digits + "#$%&*!?", min_size=6, max_size=20),
    st.sampled_from("!@#$%"),
)
senha_st = st.one_of(
    senha_forte,
    st.sampled_from(["", " ", "Aa1!", "senha", "12345678", "Senha123", "password", "a" * 129]),
    st.just("Qz#1\x00abcdef"),
    qualquer_texto,
)


# --- Ajudantes HTTP/HTML --------------------------------------------------------------------


@st.composite
def ip_st(draw):
    return "10.{}.{}.{}".format(*(draw(st.integers(0, 255)) for _ in range(3)))


def _novo_cliente(ip):
    """Um navegador novo por exemplo, com limites por IP e bloqueio por CPF zerados."""
    cache.clear()
    axes_reset()
    return Client(REMOTE_ADDR=ip)


RESUMO = re.compile(r'<div[^>]*id="resumo-erros".*?</ul>', re.S)
INGLES = re.compile(
    r"\b(This field|Enter a|Ensure this|Null characters|not allowed|is required|too short|"
    r"too common|too similar|entirely numeric|didn.t match|valid|invalid|password)\b",
    re.I,
)


def _mensagens(resumo: str) -> list[str]:
    itens = re.findall(r"<li>(.*?)</li>", resumo, re.S)
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", i)).split()) for i in itens]


def _tag_input(pagina: str, nome: str) -> str:
    tags = re.findall(rf'<input[^>]*\sname="{re.escape(nome)}"[^>]*>', pagina)
    assert len(tags) == 1, f"campo {nome!r}: {len(tags)} <input>"
    return tags[0]


def verificar_formulario_com_erro(resposta, enviados, senhas=(), campos_com_erro=()):
    """200, resumo de erros em português, valores preservados e senhas nunca devolvidas."""
    assert resposta.status_code == 200, resposta.status_code
    pagina = resposta.content.decode()
    resumo = RESUMO.search(pagina)
    assert resumo, "formulário voltou sem o resumo de erros"
    assert "Não foi possível continuar" in resumo.group(0)
    mensagens = _mensagens(resumo.group(0))
    assert mensagens, "resumo de erros vazio"
    for mensagem in mensagens:
        assert len(mensagem) > 5
        assert not INGLES.search(mensagem), f"mensagem em inglês: {mensagem!r}"
    for campo in campos_com_erro:
        assert f'href="#id_{campo}"' in resumo.group(0), f"sem erro no campo {campo}: {mensagens}"
    for campo, valor in enviados.items():
        tag = _tag_input(pagina, campo)
        if valor == "":
            assert " value=" not in tag
        else:
            assert f' value="{escape(valor)}"' in tag, f"{campo}: valor digitado perdido"
    for campo in senhas:
        assert " value=" not in _tag_input(pagina, campo), f"{campo} devolvida na página"
    return mensagens


def _resumo(resposta):
    resumo = RESUMO.search(resposta.content.decode())
    return resumo.group(0) if resumo else ""


def _erros_da_pagina(resposta):
    resumo = RESUMO.search(resposta.content.decode(errors="replace"))
    return _mensagens(resumo.group(0)) if resumo else resposta.status_code


def _sem_5xx(resposta):
    assert resposta.status_code < 500, resposta.status_code
    if currently_in_test_context():  # --hypothesis-show-statistics mostra a proporção
        event(f"HTTP {resposta.status_code}")


# =========================================================================================
# Inscrição
# =========================================================================================


CAMPOS_INSCRICAO = ("cpf", "nome", "email", "email_confirmacao", "telefone")


@st.composite
def dados_inscricao(draw):
    """Três modos: tudo válido, um só campo errado, ou cada campo sorteado à parte."""
    modo = draw(st.sampled_from(["valido", "um_errado", "um_errado", "misturado", "misturado"]))
    errado = draw(st.sampled_from(CAMPOS_INSCRICAO)) if modo == "um_errado" else None

    def campo(nome, valido, invalido, livre_=livre):
        if modo == "misturado":
            return draw(
                st.one_of(
                    valido.map(lambda v: (v, True)), invalido.map(lambda v: (v, False)), livre_
                )
            )
        if nome == errado:
            return draw(invalido), False
        return draw(valido), True

    cpf, cpf_ok = campo("cpf", cpf_numero.flatmap(apresentacao_cpf), cpf_invalido())
    nome, nome_ok = campo("nome", nome_valido(), nome_invalido())
    email, email_ok = campo("email", email_valido(), email_invalido())
    if modo == "misturado":
        tipo_confirmacao = draw(st.sampled_from(["igual", "caixa", "outro", "livre"]))
    elif errado == "email_confirmacao":
        tipo_confirmacao = "outro"
    elif errado == "email":
        tipo_confirmacao = "valida"  # só o campo do e-mail pode acusar erro
    else:
        tipo_confirmacao = draw(st.sampled_from(["igual", "caixa"]))
    if tipo_confirmacao == "igual":
        confirmacao, confirmacao_ok = email, email_ok
    elif tipo_confirmacao == "caixa" and email_ok:
        confirmacao, confirmacao_ok = variar_caixa(draw, email), True
    elif tipo_confirmacao == "valida":
        confirmacao, confirmacao_ok = draw(email_valido()), True
    elif tipo_confirmacao == "outro":
        confirmacao = draw(email_valido().filter(lambda e: e.lower() != email.strip().lower()))
        # Válida sozinha, mas diferente: com o e-mail válido, é erro no campo de confirmação.
        confirmacao_ok = False if email_ok else None
    else:
        confirmacao, confirmacao_ok = draw(qualquer_texto), None
    telefone, telefone_ok = campo("telefone", telefone_valido(), telefone_invalido())
    dados = dict(zip(CAMPOS_INSCRICAO, (cpf, nome, email, confirmacao, telefone), strict=True))
    ok = dict(
        zip(CAMPOS_INSCRICAO, (cpf_ok, nome_ok, email_ok, confirmacao_ok, telefone_ok), strict=True)
    )
    return dados, ok, modo


@hsettings(PROPRIEDADE, max_examples=100)
@given(entrada=dados_inscricao(), ip=ip_st())
def test_inscricao_nunca_quebra_e_so_cria_conta_valida(entrada, ip):
    dados, ok, modo = entrada
    event(f"modo {modo}")
    cliente = _novo_cliente(ip)
    antes = Usuario.objects.count()
    cpf_digitado = re.sub(r"[\s./-]", "", dados["cpf"])
    # Só 11 dígitos podem estar no banco (e o PostgreSQL recusa NUL numa consulta).
    cpf_existia = bool(re.fullmatch(r"[0-9]{11}", cpf_digitado)) and (
        Usuario.objects.filter(cpf=cpf_digitado).exists()
    )

    resposta = cliente.post("/inscricao/", dados)
    _sem_5xx(resposta)

    if all(v is True for v in ok.values()):
        assert resposta.status_code == 302, _erros_da_pagina(resposta)
    if resposta.status_code == 302:
        assert resposta["Location"] == "/inscricao/enviada/"
        assert not any(v is False for v in ok.values()), ok
        usuario = Usuario.objects.get(cpf=re.sub(r"[\s./-]", "", dados["cpf"]))
        assert Usuario.objects.count() == antes + (0 if cpf_existia else 1)
        if not cpf_existia:
            _conferir_conta_inscrita(usuario, dados)
    else:
        campos_com_erro = [campo for campo, v in ok.items() if v is False]
        verificar_formulario_com_erro(resposta, dados, campos_com_erro=campos_com_erro)
        if modo == "um_errado":  # e nenhum erro inventado nos campos certos
            assert set(re.findall(r'href="#id_(\w+)"', _resumo(resposta))) == set(campos_com_erro)
        assert Usuario.objects.count() == antes


def _conferir_conta_inscrita(usuario, dados):
    """O que foi gravado está na forma canônica, qualquer que tenha sido a entrada."""
    assert re.fullmatch(r"[0-9]{11}", usuario.cpf) and stdnum_cpf.is_valid(usuario.cpf)
    assert not any(unicodedata.category(c)[0] == "C" for c in usuario.nome)
    assert usuario.nome == " ".join(usuario.nome.split()) and len(usuario.nome.split()) >= 2
    assert usuario.email == dados["email"].strip()
    validate_email(usuario.email)
    assert re.fullmatch(r"[1-9]{2}(9[0-9]{8}|[0-9]{8})", usuario.telefone), usuario.telefone
    assert usuario.situacao == Usuario.Situacao.PENDENTE
    assert not usuario.has_usable_password()
    assert EmailSaida.objects.filter(usuario=usuario, evento="primeiro_acesso").exists()


@hsettings(PROPRIEDADE, max_examples=40)
@given(
    dados=st.fixed_dictionaries(dict.fromkeys(CAMPOS_INSCRICAO, qualquer_texto)),
    ip=ip_st(),
)
def test_inscricao_texto_livre_em_todos_os_campos(dados, ip):
    """Só lixo: nenhum campo sai certo por acaso, então nunca cria conta."""
    cliente = _novo_cliente(ip)
    antes = Usuario.objects.count()
    resposta = cliente.post("/inscricao/", dados)
    _sem_5xx(resposta)
    verificar_formulario_com_erro(resposta, dados)
    assert Usuario.objects.count() == antes


# =========================================================================================
# Entrar
# =========================================================================================

PROXIMOS = [
    "",
    "/painel/",
    "/minha-conta/?aba=1",
    "//evil.example.com/",
    "/\\evil.example.com",
    "\\\\evil.example.com",
    "https://evil.example.com/",
    "http:/evil.example.com",
    "/\t/evil.example.com",
    " //evil.example.com",
    "///evil.example.com",
    "javascript:alert(1)",
    "/pai\nnel/",
    "/\x00",
    "😀",
]


def _destino_seguro(location: str) -> bool:
    """Resolve o Location como um navegador (tira \t\r\n, \\ vira /) a partir de /entrar/."""
    limpo = re.sub(r"[\t\r\n]", "", location).replace("\\", "/").strip()
    destino = urlsplit(urljoin("http://testserver/entrar/", limpo))
    return destino.scheme == "http" and destino.netloc == "testserver"


@pytest.fixture
def conta_ativa(db):
    return UsuarioFactory()


@hsettings(PROPRIEDADE, max_examples=80)
@given(data=st.data(), ip=ip_st())
def test_entrar_nunca_quebra(conta_ativa, data, ip):
    certo = data.draw(st.integers(0, 3), label="modo") == 0  # 1 em 4: CPF e senha certos
    tipos = ["dela"] if certo else ["dela", "outro", "invalido", "livre"]
    tipo_cpf = data.draw(st.sampled_from(tipos), label="cpf")
    if tipo_cpf == "dela":
        cpf = data.draw(apresentacao_cpf(conta_ativa.cpf))
    elif tipo_cpf == "outro":
        cpf = data.draw(cpf_numero.filter(lambda c: c != conta_ativa.cpf).flatmap(apresentacao_cpf))
    elif tipo_cpf == "invalido":
        cpf = data.draw(cpf_invalido())
    else:
        cpf = data.draw(qualquer_texto)
    senha = SENHA if certo else data.draw(st.one_of(st.just(SENHA), senha_st), label="senha")
    proximo = data.draw(st.one_of(st.sampled_from(PROXIMOS), texto_hostil), label="next")
    deve_entrar = tipo_cpf == "dela" and senha == SENHA
    if deve_entrar:
        proximo = proximo
    dados = {"cpf": cpf, "senha": senha}
    if proximo:
        dados["next"] = proximo

    cliente = _novo_cliente(ip)
    resposta = cliente.post("/entrar/", dados)
    _sem_5xx(resposta)

    if deve_entrar:
        assert resposta.status_code == 302
        assert _destino_seguro(resposta["Location"]), resposta["Location"]
        assert int(cliente.session["_auth_user_id"]) == conta_ativa.pk
    else:
        mensagens = verificar_formulario_com_erro(
            resposta,
            {"cpf": cpf},
            senhas=["senha"],
            campos_com_erro=["cpf"] if tipo_cpf == "invalido" else [],
        )
        assert "_auth_user_id" not in cliente.session
        if tipo_cpf in ("dela", "outro") and senha and len(senha) <= 128 and "\x00" not in senha:
            assert any("CPF ou senha incorretos" in m for m in mensagens), mensagens
        # Nada de enumeração: a mensagem é a mesma para CPF com e sem conta.
        assert not any("não cadastrado" in m or "não existe" in m for m in mensagens)


# =========================================================================================
# Recuperar senha
# =========================================================================================


@hsettings(PROPRIEDADE, max_examples=60)
@given(data=st.data(), ip=ip_st())
def test_recuperar_senha_nunca_quebra(conta_ativa, data, ip):
    tipo_cpf = data.draw(st.sampled_from(["dela", "outro", "invalido", "livre"]), label="cpf")
    if tipo_cpf == "dela":
        cpf, cpf_ok = data.draw(apresentacao_cpf(conta_ativa.cpf)), True
    elif tipo_cpf == "outro":
        cpf, cpf_ok = data.draw(cpf_numero.flatmap(apresentacao_cpf)), True
    elif tipo_cpf == "invalido":
        cpf, cpf_ok = data.draw(cpf_invalido()), False
    else:
        cpf, cpf_ok = data.draw(qualquer_texto), None
    tipo_email = data.draw(st.sampled_from(["dela", "outro"]), label="email")
    if tipo_email == "dela":
        email, email_ok = variar_caixa(data.draw, conta_ativa.email), True
    else:
        email, email_ok = data.draw(email_st)

    cliente = _novo_cliente(ip)
    usuarios = Usuario.objects.count()
    emails = EmailSaida.objects.filter(evento="recuperacao_senha").count()
    # O pedido é conferido pela fila depois do commit; o limite de e-mails por destinatário
    # (três por hora) fica desligado: aqui os exemplos repetem a mesma conta dezenas de vezes.
    with (
        override_settings(EMAILS_POR_DESTINATARIO_POR_HORA=0),
        TestCase.captureOnCommitCallbacks(execute=True),
    ):
        resposta = cliente.post("/recuperar-senha/", {"cpf": cpf, "email": email})
    _sem_5xx(resposta)

    if cpf_ok and email_ok:
        assert resposta.status_code == 302
    if resposta.status_code == 302:
        # A mesma resposta com e sem correspondência (não revela quem tem conta).
        assert resposta["Location"] == "/recuperar-senha/enviado/"
        confere = tipo_cpf == "dela" and tipo_email == "dela"
        novos = EmailSaida.objects.filter(evento="recuperacao_senha").count() - emails
        assert novos == (1 if confere else 0)
    else:
        verificar_formulario_com_erro(
            resposta,
            {"cpf": cpf, "email": email},
            campos_com_erro=[c for c, v in (("cpf", cpf_ok), ("email", email_ok)) if v is False],
        )
        assert EmailSaida.objects.filter(evento="recuperacao_senha").count() == emails
    assert Usuario.objects.count() == usuarios


# =========================================================================================
# Primeiro acesso
# =========================================================================================


_SEQUENCIA_CPF = itertools.count(100_000_001)


def _senha_aceita(senha, usuario) -> bool:
    if not senha or len(senha) > 128 or "\x00" in senha:
        return False
    try:
        password_validation.validate_password(senha, usuario)
    except ValidationError:
        return False
    return True


@pytest.mark.parametrize("confirmar_email", [False, True], ids=["so-cpf", "cpf-e-email"])
@hsettings(PROPRIEDADE, max_examples=40)
@given(data=st.data(), ip=ip_st())
def test_primeiro_acesso_nunca_quebra(settings, confirmar_email, data, ip):
    settings.PRIMEIRO_ACESSO_CONFIRMAR_EMAIL = confirmar_email
    # O hypothesis reinicia o ``random`` a cada exemplo: o CPF da fábrica se repetiria.
    usuario = UsuarioFactory(pendente=True, cpf=_cpf_de(f"{next(_SEQUENCIA_CPF):09d}"))
    token = services._emitir_token(
        usuario, F.PRIMEIRO_ACESSO, django_settings.PRIMEIRO_ACESSO_VALIDADE
    ).gerar_segredo()

    certo = data.draw(st.integers(0, 2), label="modo") == 0  # 1 em 3: tudo certo
    tipos = ["dela"] if certo else ["dela", "dela", "outro", "invalido", "livre"]
    tipo_cpf = data.draw(st.sampled_from(tipos), label="cpf")
    if tipo_cpf == "dela":
        cpf = data.draw(apresentacao_cpf(usuario.cpf))
    elif tipo_cpf == "outro":
        cpf = data.draw(cpf_numero.filter(lambda c: c != usuario.cpf).flatmap(apresentacao_cpf))
    elif tipo_cpf == "invalido":
        cpf = data.draw(cpf_invalido())
    else:
        cpf = data.draw(qualquer_texto)
    senha = data.draw(senha_forte if certo else senha_st, label="senha")
    tipos = ["igual"] if certo else ["igual", "igual", "diferente", "livre"]
    tipo_confirmacao = data.draw(st.sampled_from(tipos))
    if tipo_confirmacao == "igual":
        confirmacao = senha
    elif tipo_confirmacao == "diferente":
        confirmacao = senha + "x"
    else:
        confirmacao = data.draw(qualquer_texto)
    dados = {"cpf": cpf, "nova_senha": senha, "confirmacao_senha": confirmacao}
    visiveis = {"cpf": cpf}
    email_confere = True
    if confirmar_email:
        tipos = ["dela"] if certo else ["dela", "outro", "livre"]
        tipo_email = data.draw(st.sampled_from(tipos), label="email")
        if tipo_email == "dela":
            dados["email"] = variar_caixa(data.draw, usuario.email)
        else:
            dados["email"] = data.draw(email_valido() if tipo_email == "outro" else qualquer_texto)
            email_confere = False
        visiveis["email"] = dados["email"]

    # Antes do POST: depois da ativação a senha seria "igual à atual" e deixaria de valer.
    deve_ativar = (
        tipo_cpf == "dela"
        and email_confere
        and confirmacao == senha
        and _senha_aceita(senha, usuario)
    )

    cliente = _novo_cliente(ip)
    resposta = cliente.post(f"/primeiro-acesso/{token}/", dados)
    _sem_5xx(resposta)
    usuario.refresh_from_db()
    if deve_ativar:
        assert resposta.status_code == 302
        assert resposta["Location"] == "/entrar/"
        assert usuario.situacao == Usuario.Situacao.ATIVO
        assert usuario.check_password(senha)
        with pytest.raises(services.TokenInvalido):
            services.buscar_token(token, F.PRIMEIRO_ACESSO)
    else:
        # Issue #13: a nova senha e a confirmação voltam como digitadas (a pessoa só corrige
        # o que o resumo aponta); a página não fica em cache (never_cache).
        visiveis.update(nova_senha=senha, confirmacao_senha=confirmacao)
        verificar_formulario_com_erro(
            resposta,
            visiveis,
            campos_com_erro=["cpf"] if tipo_cpf == "invalido" else [],
        )
        assert usuario.situacao == Usuario.Situacao.PENDENTE
        assert not usuario.has_usable_password()
        services.buscar_token(token, F.PRIMEIRO_ACESSO)  # continua utilizável


# =========================================================================================
# Casos pontuais achados/confirmados pelas propriedades
# =========================================================================================


def test_corpo_grande_demais_da_400_e_nao_500():
    """Acima de DATA_UPLOAD_MAX_MEMORY_SIZE o Django responde 400, sem chegar à view."""
    cliente = _novo_cliente("10.9.9.9")
    enorme = "9" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    resposta = cliente.post("/inscricao/", {"cpf": enorme, "nome": "x"})
    assert resposta.status_code == 400
    assert Usuario.objects.count() == 0


def test_post_vazio_mostra_erros():
    cliente = _novo_cliente("10.9.9.8")
    for caminho in ("/inscricao/", "/entrar/", "/recuperar-senha/"):
        resposta = cliente.post(caminho, {})
        verificar_formulario_com_erro(resposta, {})


def _inscricao_valida(**mudancas):
    dados = {
        "cpf": "529.982.247-25",
        "nome": "Ana Souza",
        "email": "ana@exemplo.com.br",
        "email_confirmacao": "ana@exemplo.com.br",
        "telefone": "(31) 3915-0000",
    }
    dados.update(mudancas)
    return dados


@pytest.mark.parametrize("telefone", ["٣١٣٩١٥٠٠٠٠", "(３１) ３９１５-００００", "٠٠ 3915-0000"])
def test_inscricao_telefone_com_digitos_nao_ascii(telefone):
    cliente = _novo_cliente("10.9.9.7")
    resposta = cliente.post("/inscricao/", _inscricao_valida(telefone=telefone))
    _sem_5xx(resposta)
    gravado = Usuario.objects.filter(cpf="52998224725").values_list("telefone", flat=True).first()
    assert gravado is None or re.fullmatch(r"[0-9]{10,11}", gravado), gravado


def test_inscricao_nome_gravado_em_nfc():
    cliente = _novo_cliente("10.9.9.6")
    resposta = cliente.post("/inscricao/", _inscricao_valida(nome="Jose\u200b\u0301 Souza"))
    assert resposta.status_code == 302
    nome = Usuario.objects.get(cpf="52998224725").nome
    assert nome == "José Souza" and unicodedata.is_normalized("NFC", nome)


@pytest.mark.parametrize("sujeira", ["\u200b", "\ufeff", "\u202e", "\u2060"])
def test_inscricao_email_com_caractere_invisivel(sujeira):
    email = "ana@exemplo.com.br" + sujeira
    cliente = _novo_cliente("10.9.9.5")
    resposta = cliente.post("/inscricao/", _inscricao_valida(email=email, email_confirmacao=email))
    _sem_5xx(resposta)
    gravado = Usuario.objects.filter(cpf="52998224725").values_list("email", flat=True).first()
    if gravado is None:  # recusado: tem de dizer por quê, no campo do e-mail
        verificar_formulario_com_erro(
            resposta, {"cpf": "529.982.247-25"}, campos_com_erro=["email"]
        )
    else:  # aceito: a forma gravada não pode ter o invisível
        assert gravado == "ana@exemplo.com.br", repr(gravado)


def test_pagina_400_em_portugues():
    cliente = _novo_cliente("10.9.9.4")
    enorme = "9" * (django_settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)
    resposta = cliente.post("/inscricao/", {"cpf": enorme})
    assert resposta.status_code == 400
    pagina = resposta.content.decode()
    assert "Bad Request" not in pagina
    assert 'lang="pt-br"' in pagina.lower()


@pytest.mark.parametrize("metodo", ["post", "get-logado"])
def test_entrar_com_next_sem_barra_nao_da_500(conta_ativa, metodo):
    cliente = _novo_cliente("10.9.9.3")
    if metodo == "post":
        resposta = cliente.post(
            "/entrar/", {"cpf": conta_ativa.cpf, "senha": SENHA, "next": "painel"}
        )
    else:
        # Com o termo aceito, para o TermoUsoMiddleware deixar a página abrir.
        cliente.force_login(UsuarioFactory(aceitou_termo=True, cpf="52998224725"))
        resposta = cliente.get("/entrar/?next=x")
    assert resposta.status_code == 302
    assert _destino_seguro(resposta["Location"])


@pytest.mark.parametrize(
    ("digitado", "gravado"),
    [
        ("Ana\tSouza", "Ana Souza"),
        ("Ana Maria\nSouza", "Ana Maria Souza"),
        ("Ana\r\nSouza", "Ana Souza"),
    ],
)
def test_inscricao_nome_com_tab_ou_quebra_de_linha(digitado, gravado):
    cliente = _novo_cliente("10.9.9.2")
    resposta = cliente.post("/inscricao/", _inscricao_valida(nome=digitado))
    _sem_5xx(resposta)
    assert resposta.status_code == 302, _erros_da_pagina(resposta)
    assert Usuario.objects.get(cpf="52998224725").nome == gravado
