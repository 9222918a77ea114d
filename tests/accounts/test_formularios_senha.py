"""Formulários de senha (issue #13, item 14): palavras certas para quem se inscreveu, erros
das regras em "Nova senha", senhas digitadas mantidas quando há erro, "Mostrar senha" e o
texto do termo focável pelo teclado."""

import re

import pytest

from accounts.models import Usuario
from tests.conftest import caminho, link_do_email, ultimo_email
from tests.factories import SENHA, UsuarioFactory

pytestmark = pytest.mark.django_db

FRACA = "zqxw8vkrtp"  # sem maiúscula nem símbolo
OUTRA = "Outra#Senha2026"
SCRIPT = "js/senha"  # static/js/senha.js (com ou sem o hash do manifesto)


@pytest.fixture
def link_da_inscricao(client):
    client.post(
        "/inscricao/",
        {
            "cpf": "52998224725",
            "nome": "Rita de Cássia Souza",
            "email": "rita@exemplo.com.br",
            "email_confirmacao": "rita@exemplo.com.br",
            "telefone": "3133334444",
        },
    )
    return caminho(link_do_email(ultimo_email("primeiro_acesso"), "/primeiro-acesso/"))


def input_de(html, nome):
    [tag] = re.findall(rf'<input[^>]*\sname="{nome}"[^>]*>', html)
    return tag


def erros(resposta):
    form = resposta.context["form"]
    return {campo: [str(e) for e in lista] for campo, lista in form.errors.items()}


def test_quem_se_inscreveu_nao_le_pessoa_convidada_nem_senha_anterior(client, link_da_inscricao):
    paginas = [
        client.get(link_da_inscricao),
        client.post(link_da_inscricao, {"cpf": "52998224725", "nova_senha": FRACA}),
        # CPF de outra pessoa: o erro do serviço também não fala de convite
        client.post(
            link_da_inscricao,
            {"cpf": "11144477735", "nova_senha": SENHA, "confirmacao_senha": SENHA},
        ),
    ]
    for resposta in paginas:
        html = resposta.content.decode()
        assert "convidad" not in html and "convite" not in html
        assert "senha anterior" not in html
        assert "diferente da senha" not in html  # no primeiro acesso não há senha em uso
        assert "Primeiro acesso" in html


def test_recuperacao_e_troca_de_senha_nao_falam_de_senha_anterior(client, cliente_logado):
    html = cliente_logado.get("/minha-conta/senha/").content.decode()
    assert "senha anterior" not in html
    assert "Não pode ser igual à senha que você usa hoje." in html


def test_erro_de_regra_fica_em_nova_senha_e_nao_na_confirmacao(client, link_da_inscricao):
    resposta = client.post(
        link_da_inscricao,
        {"cpf": "52998224725", "nova_senha": FRACA, "confirmacao_senha": FRACA},
    )

    assert resposta.status_code == 200
    lista = erros(resposta)
    assert list(lista) == ["nova_senha"]
    assert "uma letra maiúscula" in lista["nova_senha"][0]
    assert 'href="#id_nova_senha">Nova senha: A senha precisa ter' in resposta.content.decode()


def test_senhas_diferentes_erro_na_confirmacao_e_as_duas_continuam_digitadas(
    client, link_da_inscricao
):
    resposta = client.post(
        link_da_inscricao,
        {"cpf": "52998224725", "nova_senha": SENHA, "confirmacao_senha": SENHA + "x"},
    )

    assert erros(resposta) == {"confirmacao_senha": ["As duas senhas digitadas não são iguais."]}
    html = resposta.content.decode()
    assert f'value="{SENHA}"' in input_de(html, "nova_senha")
    assert f'value="{SENHA}x"' in input_de(html, "confirmacao_senha")
    assert "no-cache" in resposta["Cache-Control"]
    assert Usuario.objects.get(cpf="52998224725").situacao == Usuario.Situacao.PENDENTE


def test_regra_e_diferenca_ao_mesmo_tempo_cada_uma_no_seu_campo(client, link_da_inscricao):
    resposta = client.post(
        link_da_inscricao,
        {"cpf": "52998224725", "nova_senha": FRACA, "confirmacao_senha": "outra"},
    )
    assert set(erros(resposta)) == {"nova_senha", "confirmacao_senha"}


def test_paginas_abertas_por_get_nunca_trazem_senha(client, link_da_inscricao):
    html = client.get(link_da_inscricao).content.decode()
    for nome in ("nova_senha", "confirmacao_senha"):
        assert " value=" not in input_de(html, nome)


def test_alterar_senha_regra_em_nova_senha_mantem_as_novas_e_nunca_devolve_a_atual(
    cliente_logado,
):
    resposta = cliente_logado.post(
        "/minha-conta/senha/",
        {"senha_atual": SENHA, "nova_senha": FRACA, "confirmacao_senha": FRACA},
    )

    assert list(erros(resposta)) == ["nova_senha"]
    html = resposta.content.decode()
    assert " value=" not in input_de(html, "senha_atual")
    assert f'value="{FRACA}"' in input_de(html, "nova_senha")
    assert "no-cache" in resposta["Cache-Control"]


def test_redefinir_senha_de_quem_tem_senha_regra_em_nova_senha(
    client, django_capture_on_commit_callbacks
):
    usuario = UsuarioFactory(aceitou_termo=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/recuperar-senha/", {"cpf": usuario.cpf, "email": usuario.email})
    link = caminho(link_do_email(ultimo_email("recuperacao_senha"), "/recuperar-senha/"))

    resposta = client.post(link, {"nova_senha": SENHA, "confirmacao_senha": SENHA})

    assert erros(resposta) == {"nova_senha": ["A nova senha deve ser diferente da senha atual."]}
    assert "senha anterior" not in resposta.content.decode()


@pytest.mark.parametrize(
    "endereco", ["/entrar/", "/minha-conta/senha/", "/minha-conta/email/", "primeiro_acesso"]
)
def test_paginas_com_senha_carregam_o_botao_mostrar_senha(
    client, usuario, link_da_inscricao, endereco
):
    if endereco == "primeiro_acesso":
        endereco = link_da_inscricao
    elif endereco != "/entrar/":
        client.force_login(usuario)
    html = client.get(endereco).content.decode()
    assert re.search(rf'<script src="[^"]*{SCRIPT}[^"]*\.js" defer></script>', html)
    assert 'type="password"' in html


def test_texto_do_termo_e_uma_regiao_focavel_com_nome(client):
    html = client.get("/termos/").content.decode()
    [tag] = re.findall(r'<article class="termo[^>]*>', html)
    assert 'tabindex="0"' in tag
    assert 'role="region"' in tag
    assert 'aria-label="Texto do termo"' in tag
