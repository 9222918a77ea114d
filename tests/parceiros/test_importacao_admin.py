"""Admin da importação: envio → prévia → confirmar (tarefa Celery) → resultado e erros."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from accounts.models import Usuario
from parceiros import importacao
from parceiros.importacao import COLUNAS_ORGANIZACAO, COLUNAS_PESSOA
from parceiros.models import ImportacaoCadastro

from ..factories import UsuarioFactory
from .test_importacao import conteudo_csv, cpf, linha

pytestmark = pytest.mark.usefixtures("media_temporaria")


@pytest.fixture
def admin_client(client, db):
    client.force_login(UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True))
    return client


def _detalhe(importacao_feita):
    return reverse("admin:parceiros_importacaocadastro_change", args=[importacao_feita.pk])


def test_admin_envia_ve_a_previa_confirma_e_baixa_os_erros(
    admin_client, django_capture_on_commit_callbacks
):
    arquivo = SimpleUploadedFile("carga.csv", conteudo_csv([linha(1), linha(2, cpf="12")]))

    with django_capture_on_commit_callbacks(execute=True):
        resposta = admin_client.post(
            reverse("admin:parceiros_importacaocadastro_add"), {"arquivo": arquivo}
        )

    feita = ImportacaoCadastro.objects.get()
    assert resposta.status_code == 302
    assert resposta["Location"] == _detalhe(feita)
    previa = admin_client.get(_detalhe(feita)).content.decode()
    assert "Pronta para confirmar" in previa
    assert "Prévia (nada foi gravado)" in previa
    assert "deve ter 11 dígitos" in previa
    assert "Confirmar importação" in previa
    assert 'http-equiv="refresh"' not in previa
    assert not Usuario.objects.filter(cpf=cpf(1)).exists()

    with django_capture_on_commit_callbacks(execute=True):
        resposta = admin_client.post(
            reverse("admin:parceiros_importacao_confirmar", args=[feita.pk])
        )

    assert resposta.status_code == 302
    final = admin_client.get(_detalhe(feita)).content.decode()
    assert "Concluída" in final and "Resultado da importação" in final
    assert "Confirmar importação" not in final
    assert Usuario.objects.get(cpf=cpf(1)).origem == Usuario.Origem.IMPORTACAO
    erros = admin_client.get(reverse("admin:parceiros_importacao_erros", args=[feita.pk]))
    assert erros["Content-Disposition"].startswith("attachment")
    texto = b"".join(erros.streaming_content).decode("utf-8-sig")
    cabecalho, primeiro = texto.splitlines()[:2]
    assert cabecalho == "arquivo;linha;coluna;motivo"
    assert primeiro == f"{feita.nome};3;CPF;deve ter 11 dígitos"


def test_admin_mostra_progresso_e_se_atualiza_enquanto_roda(admin_client):
    feita = importacao.criar_importacao(
        SimpleUploadedFile("carga.csv", conteudo_csv([linha(1)]))
    )  # sem executar o on_commit: a prévia ainda está na fila

    pagina = admin_client.get(_detalhe(feita)).content.decode()

    assert 'http-equiv="refresh"' in pagina
    assert "<progress" in pagina
    assert "Aguardando validação" in pagina


def test_admin_recusa_extensao_errada(admin_client):
    arquivo = SimpleUploadedFile("carga.txt", b"cpf;nome\n")

    resposta = admin_client.post(
        reverse("admin:parceiros_importacaocadastro_add"), {"arquivo": arquivo}
    )

    assert resposta.status_code == 200
    assert "Envie um arquivo .csv ou .xlsx." in resposta.content.decode()
    assert not ImportacaoCadastro.objects.exists()


def test_admin_oferece_o_modelo_para_baixar(admin_client):
    lista = admin_client.get(reverse("admin:parceiros_importacaocadastro_changelist"))
    modelo = admin_client.get(reverse("admin:parceiros_importacao_modelo"))

    assert "Baixar modelo (CSV)" in lista.content.decode()
    assert modelo["Content-Type"].startswith("text/csv")
    assert modelo.content.decode("utf-8-sig").startswith("cpf;nome;email;telefone;cnpj")


def test_pessoa_sem_acesso_ao_admin_nao_ve_nem_confirma(
    client, usuario, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        feita = importacao.criar_importacao(
            SimpleUploadedFile("carga.csv", conteudo_csv([linha(1)]))
        )
    client.force_login(usuario)

    assert client.get(_detalhe(feita)).status_code == 302  # para o login do admin
    client.post(reverse("admin:parceiros_importacao_confirmar", args=[feita.pk]))
    assert (
        client.get(reverse("admin:parceiros_importacao_erros", args=[feita.pk])).status_code == 302
    )

    feita.refresh_from_db()
    assert feita.status == ImportacaoCadastro.Status.PRONTA


def test_tarefa_de_importacao_e_idempotente(django_capture_on_commit_callbacks, db):
    from parceiros import tasks

    with django_capture_on_commit_callbacks(execute=True):
        feita = importacao.criar_importacao(SimpleUploadedFile("c.csv", conteudo_csv([linha(1)])))
    with django_capture_on_commit_callbacks(execute=True):
        importacao.confirmar(feita)

    tasks.importar_cadastro.delay(feita.pk)  # entregue de novo (acks_late): nada muda
    tasks.validar_importacao.delay(feita.pk)

    feita.refresh_from_db()
    assert feita.status == ImportacaoCadastro.Status.CONCLUIDA
    assert Usuario.objects.filter(cpf=cpf(1)).count() == 1
    assert tasks.importar_cadastro.acks_late


def test_admin_com_arquivo_de_organizacoes_mostra_os_dois_e_de_qual_e_cada_erro(
    admin_client, django_capture_on_commit_callbacks
):
    pessoas = SimpleUploadedFile(
        "pessoas.csv", conteudo_csv([linha(1), linha(2)], colunas=COLUNAS_PESSOA)
    )
    organizacoes = SimpleUploadedFile(
        "orgs.csv", conteudo_csv([linha(1), linha(2, uf="XX")], colunas=COLUNAS_ORGANIZACAO)
    )
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(
            reverse("admin:parceiros_importacaocadastro_add"),
            {"arquivo": pessoas, "arquivo_organizacoes": organizacoes},
        )

    feita = ImportacaoCadastro.objects.get()
    assert (feita.nome, feita.nome_organizacoes) == ("pessoas.csv", "orgs.csv")
    html = admin_client.get(_detalhe(feita)).content.decode()
    assert "organizações em orgs.csv (ligadas pelo CNPJ)" in html
    assert "Arquivo de organizações: 2 linhas · com erro: 1" in html
    assert "Erros: 2 (1 linha de pessoas recusada; 1 linha do arquivo de organizações)" in html
    assert '<th scope="col">Arquivo</th>' in html
    assert "<td>orgs.csv</td><td>3</td><td>UF</td>" in html


def test_arquivo_de_organizacoes_com_extensao_errada_e_recusado_sem_criar_nada(admin_client):
    resposta = admin_client.post(
        reverse("admin:parceiros_importacaocadastro_add"),
        {
            "arquivo": SimpleUploadedFile("p.csv", conteudo_csv([linha(1)])),
            "arquivo_organizacoes": SimpleUploadedFile("o.pdf", b"%PDF-1.4"),
        },
    )
    assert resposta.status_code == 200
    assert "Envie um arquivo .csv ou .xlsx." in resposta.content.decode()
    assert not ImportacaoCadastro.objects.exists()


@pytest.mark.parametrize(
    ("modelo", "cabecalho"),
    [
        ("pessoas", "cpf;nome;email;telefone;cnpj;cargo;mandato_inicio;mandato_fim"),
        ("organizacoes", "cnpj;razao_social;natureza_juridica;tipo;municipio;uf"),
    ],
)
def test_admin_oferece_os_modelos_do_par_de_arquivos(admin_client, modelo, cabecalho):
    resposta = admin_client.get(reverse("admin:parceiros_importacao_modelo") + f"?modelo={modelo}")
    assert resposta.content.decode("utf-8-sig").splitlines()[0] == cabecalho
    assert f"modelo-importacao-cadastro-{modelo}.csv" in resposta["Content-Disposition"]
    assert (
        admin_client.get(reverse("admin:parceiros_importacao_modelo") + "?modelo=x").status_code
        == 404
    )
