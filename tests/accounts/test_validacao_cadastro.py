"""Validação de cadastro do RL importado: a página mostra o que foi importado e, depois de
ativar, o painel lista a organização (issue #13, item 13).

O defeito da demonstração: o convite do RL pré-cadastrado dizia "seus dados de Representante
Legal já estão lá", mas nenhuma organização da demonstração tinha essa pessoa como RL (as
três eram da Maria), e o painel dele dizia "Você ainda não está vinculado a nenhuma
organização". Aqui, o caminho da demonstração e o da importação, do convite ao painel.
"""

import re
from datetime import date
from io import StringIO

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command

from accounts import convites
from accounts.models import Usuario
from parceiros import importacao
from parceiros.models import Vinculo
from tests.conftest import caminho, link_do_email, ultimo_email
from tests.factories import SENHA
from tests.parceiros.test_importacao import conteudo_csv, linha

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]

JOAO_CPF = "10000000442"
JOAO_EMAIL = "joao@demo.cagec.mg.gov.br"


def texto(resposta):
    html = re.sub(r"<[^>]+>", " ", resposta.content.decode())
    return " ".join(html.split())


def ativar_entrar_e_abrir_o_painel(client, link, cpf):
    resposta = client.post(
        link, {"cpf": cpf, "nova_senha": SENHA, "confirmacao_senha": SENHA}, follow=False
    )
    assert resposta.status_code == 302 and resposta["Location"] == "/entrar/"
    assert client.post("/entrar/", {"cpf": cpf, "senha": SENHA}).status_code == 302
    assert client.post("/termos/", {"aceito": "on"}).status_code == 302
    return client.get("/painel/")


@pytest.fixture
def demo(settings):
    settings.DEBUG = True  # modo embutido (make run)
    call_command("carregar_demo", stdout=StringIO())


def test_rl_pre_cadastrado_da_demo_e_rl_de_uma_organizacao(demo):
    vinculo = Vinculo.objects.get(usuario__cpf=JOAO_CPF, ativo=True)
    assert vinculo.papel == Vinculo.Papel.RL
    assert vinculo.parceiro.razao_social == "MUNICIPIO DE SANTA LUZIA DO NORTE"
    assert Usuario.objects.get(cpf=JOAO_CPF).situacao == Usuario.Situacao.PENDENTE


def test_convite_da_demo_abre_a_validacao_de_cadastro_com_organizacao_cargo_e_mandato(client, demo):
    link = caminho(link_do_email(ultimo_email("convite", para=JOAO_EMAIL), "/primeiro-acesso/"))
    resposta = client.get(link)

    assert resposta.status_code == 200
    pagina = texto(resposta)
    assert "<title>Validação de cadastro" in resposta.content.decode()
    assert "Validação de cadastro" in pagina and "Primeiro acesso" not in pagina
    assert "MUNICIPIO DE SANTA LUZIA DO NORTE" in pagina
    assert "CNPJ 18.000.002/0001-46" in pagina
    assert "Cargo Prefeito" in pagina
    hoje = date.today()
    assert f"Mandato de 01/01/{hoje.year - 1} até 31/12/{hoje.year + 3}" in pagina
    assert "pessoa convidada" not in pagina


def test_rl_da_demo_ativa_e_o_painel_lista_a_organizacao(client, demo):
    link = caminho(link_do_email(ultimo_email("convite", para=JOAO_EMAIL), "/primeiro-acesso/"))

    painel = texto(ativar_entrar_e_abrir_o_painel(client, link, JOAO_CPF))

    assert "MUNICIPIO DE SANTA LUZIA DO NORTE" in painel
    assert "Você ainda não está vinculado a nenhuma organização" not in painel
    assert "18.000.002/0001-46 · Representante Legal" in painel


def test_rl_importado_por_arquivo_ve_a_organizacao_na_validacao_e_no_painel(client):
    valores = linha(7, cargo="Presidenta", mandato_inicio="02/03/2025", mandato_fim="31/12/2028")
    feita = importacao.importar_arquivo(
        ContentFile(conteudo_csv([valores]), name="carga.csv"), confirmar_importacao=True
    )
    assert feita.status == "concluida"
    convites.enviar_lote([Usuario.objects.get(cpf=valores["cpf"]).pk])
    link = caminho(
        link_do_email(ultimo_email("convite", para=valores["email"]), "/primeiro-acesso/")
    )

    pagina = texto(client.get(link))
    assert "Validação de cadastro" in pagina
    assert "Associação Número 7" in pagina
    assert "Cargo Presidenta" in pagina
    assert "Mandato de 02/03/2025 até 31/12/2028" in pagina

    painel = texto(ativar_entrar_e_abrir_o_painel(client, link, valores["cpf"]))
    assert "Associação Número 7" in painel
    assert "Você ainda não está vinculado a nenhuma organização" not in painel


def test_quem_se_inscreveu_ve_primeiro_acesso_sem_dados_importados(client):
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
    link = caminho(link_do_email(ultimo_email("primeiro_acesso"), "/primeiro-acesso/"))

    pagina = texto(client.get(link))

    assert "Primeiro acesso" in pagina
    assert "Validação de cadastro" not in pagina and "Seus dados no CAGEC" not in pagina
