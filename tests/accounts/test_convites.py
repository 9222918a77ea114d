"""Convites a pré-cadastrados: lotes por minuto, nunca duas vezes sem pedir, link que ativa."""

from unittest import mock

import pytest
from django.core.management import call_command

from accounts import convites, tasks
from accounts.models import Usuario
from cagec.core.models import EmailSaida
from tests.conftest import caminho, link_do_email
from tests.factories import SENHA, UsuarioFactory

pytestmark = pytest.mark.django_db


def importado(**extra):
    return UsuarioFactory(pendente=True, origem=Usuario.Origem.IMPORTACAO, **extra)


def convites_de(usuario):
    return EmailSaida.objects.filter(usuario=usuario, evento="convite").order_by("pk")


def test_convida_so_importados_pendentes_uma_vez(django_capture_on_commit_callbacks):
    pendente = importado()
    inscrito = UsuarioFactory(pendente=True)  # pendente, mas veio da inscrição
    ativo = UsuarioFactory(origem=Usuario.Origem.IMPORTACAO)  # importado que já ativou
    with django_capture_on_commit_callbacks(execute=True):
        assert convites.agendar_convites() == 1
    assert convites_de(pendente).count() == 1
    assert not convites_de(inscrito).exists() and not convites_de(ativo).exists()
    with django_capture_on_commit_callbacks(execute=True):
        assert convites.agendar_convites() == 0  # de novo: ninguém recebe outro
    assert convites_de(pendente).count() == 1


def test_reenviar_manda_outro_link_e_o_anterior_deixa_de_valer(
    client, django_capture_on_commit_callbacks
):
    pessoa = importado()
    with django_capture_on_commit_callbacks(execute=True):
        convites.agendar_convites()
    primeiro = caminho(link_do_email(convites_de(pessoa).last(), "/primeiro-acesso/"))
    with django_capture_on_commit_callbacks(execute=True):
        assert convites.agendar_convites(reenviar=True) == 1
    segundo = caminho(link_do_email(convites_de(pessoa).last(), "/primeiro-acesso/"))
    assert primeiro != segundo
    assert client.get(primeiro).status_code == 404
    assert client.get(segundo).status_code == 200


def test_lotes_sao_agendados_um_por_minuto(django_capture_on_commit_callbacks):
    pessoas = [importado() for _ in range(5)]
    with (
        mock.patch.object(tasks.enviar_lote_de_convites, "apply_async") as agendar,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert convites.agendar_convites(por_minuto=2) == 5
    chamadas = [(c.kwargs["args"][0], c.kwargs["countdown"]) for c in agendar.call_args_list]
    assert [atraso for _, atraso in chamadas] == [0, 60, 120]
    assert [len(ids) for ids, _ in chamadas] == [2, 2, 1]
    assert sorted(i for ids, _ in chamadas for i in ids) == sorted(p.pk for p in pessoas)
    assert not EmailSaida.objects.filter(evento="convite").exists()  # só agendou


def test_sem_fila_os_convites_sao_gravados_na_hora(django_capture_on_commit_callbacks):
    pessoa = importado()
    falha = ConnectionError("Redis fora")
    with (
        mock.patch.object(tasks.enviar_lote_de_convites, "apply_async", side_effect=falha),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert convites.agendar_convites() == 1
    assert convites_de(pessoa).count() == 1  # a caixa de saída entrega quando o Redis voltar


def test_lote_rodado_duas_vezes_convida_uma_vez():
    pessoa = importado()
    assert tasks.enviar_lote_de_convites([pessoa.pk]) == 1
    assert tasks.enviar_lote_de_convites([pessoa.pk]) == 0  # repetição da fila (acks_late)
    assert convites_de(pessoa).count() == 1


def test_convite_abre_a_validacao_de_cadastro_e_ativa_a_conta(
    client, django_capture_on_commit_callbacks
):
    pessoa = importado(cpf="52998224725", nome="João Pré-cadastrado")
    with django_capture_on_commit_callbacks(execute=True):
        convites.agendar_convites()
    email = convites_de(pessoa).get()
    assert email.destinatario == pessoa.email
    link = caminho(link_do_email(email, "/primeiro-acesso/"))
    assert "/primeiro-acesso/" in email.corpo_texto and "/primeiro-acesso/" in email.corpo_html
    resposta = client.post(
        link, {"cpf": "529.982.247-25", "nova_senha": SENHA, "confirmacao_senha": SENHA}
    )
    assert resposta.status_code == 302
    pessoa.refresh_from_db()
    assert pessoa.situacao == Usuario.Situacao.ATIVO and pessoa.check_password(SENHA)
    client.post("/entrar/", {"cpf": pessoa.cpf, "senha": SENHA})
    assert client.get("/painel/")["Location"].startswith("/termos/")  # e aceita o termo


def test_comando_agenda_e_mostra_as_contagens(capsys, django_capture_on_commit_callbacks):
    importado()
    importado()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("enviar_convites")
    assert "2 convite(s) agendado(s)." in capsys.readouterr().out
    call_command("enviar_convites", "--resumo")
    saida = capsys.readouterr().out
    assert "agendado" not in saida
    assert "2 enviado(s)" in saida and "0 pessoa(s) ainda sem convite" in saida


def test_acao_do_admin_convida_e_avisa_os_ignorados(client, django_capture_on_commit_callbacks):
    client.force_login(UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True))
    pendente, ativo = importado(), UsuarioFactory()
    with django_capture_on_commit_callbacks(execute=True):
        resposta = client.post(
            "/admin/accounts/usuario/",
            {"action": "enviar_convites", "_selected_action": [pendente.pk, ativo.pk]},
            follow=True,
        )
    html = resposta.content.decode()
    assert "1 convite(s) agendado(s)" in html
    assert "1 ignorado(s)" in html
    assert convites_de(pendente).count() == 1 and not convites_de(ativo).exists()
