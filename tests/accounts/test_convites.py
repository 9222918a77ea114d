"""Convites a pré-cadastrados: pedidos no banco, um lote por minuto, nunca dois, link que ativa."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.management import call_command
from django.utils import timezone

from accounts import convites, tasks
from accounts.models import PedidoConvite, Usuario
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


def test_pedidos_ficam_no_banco_e_o_beat_envia_um_lote_por_minuto(
    settings, django_capture_on_commit_callbacks
):
    settings.CONVITES_POR_MINUTO = 2
    pessoas = [importado() for _ in range(5)]
    with django_capture_on_commit_callbacks(execute=True):
        assert convites.agendar_convites() == 5
    # A publicação depois do commit só adianta o primeiro lote; o resto espera o beat.
    assert PedidoConvite.objects.filter(atendido_em__isnull=True).count() == 3
    assert convites.resumo()["a_enviar"] == 3
    agora = timezone.now()
    assert convites.processar(agora) == 0  # o mesmo minuto: limite cheio
    assert convites.processar(agora + timedelta(seconds=61)) == 2
    assert convites.processar(agora + timedelta(seconds=62)) == 0
    assert convites.processar(agora + timedelta(seconds=122)) == 1
    assert all(convites_de(p).count() == 1 for p in pessoas)
    assert convites.resumo() == {  # os 3 do beat: na caixa de saída (o teste não entrega)
        "a_enviar": 0,
        "na_fila": 3,
        "enviados": 2,
        "falhas": 0,
        "sem_convite": 0,
    }


def test_o_limite_por_minuto_vale_para_varias_execucoes_juntas(settings):
    settings.CONVITES_POR_MINUTO = 3
    pessoas = [importado() for _ in range(7)]
    convites.registrar_pedidos([p.pk for p in pessoas])
    agora = timezone.now()
    # Mensagens do beat acumuladas na fila (worker parado) chegam todas de uma vez.
    assert sum(tasks.processar_convites() for _ in range(5)) == 3
    assert convites.processar(agora + timedelta(seconds=59)) == 3
    assert EmailSaida.objects.filter(evento="convite").count() == 6


def test_pedido_repetido_nao_duplica_e_reenviar_prevalece():
    pessoa = importado()
    convites.registrar_pedidos([pessoa.pk])
    convites.registrar_pedidos([pessoa.pk])
    assert PedidoConvite.objects.filter(usuario=pessoa).count() == 1
    convites.registrar_pedidos([pessoa.pk], reenviar=True)
    assert PedidoConvite.objects.get(usuario=pessoa).reenviar


def test_sem_fila_os_pedidos_ficam_e_o_beat_envia_depois(django_capture_on_commit_callbacks):
    pessoa = importado()
    falha = ConnectionError("Redis fora")
    with (
        mock.patch.object(tasks.processar_convites, "apply_async", side_effect=falha),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert convites.agendar_convites() == 1
    assert not convites_de(pessoa).exists()
    assert convites.resumo()["a_enviar"] == 1  # registrado no banco, não na fila
    assert tasks.processar_convites() == 1  # o beat, no minuto seguinte
    assert convites_de(pessoa).count() == 1


def test_processar_duas_vezes_convida_uma_vez():
    pessoa = importado()
    convites.registrar_pedidos([pessoa.pk])
    assert convites.processar() == 1
    assert convites.processar(timezone.now() + timedelta(minutes=5)) == 0
    convites.registrar_pedidos([pessoa.pk])  # pedido de novo, sem reenviar: ignorado
    assert convites.processar(timezone.now() + timedelta(minutes=10)) == 0
    assert convites_de(pessoa).count() == 1
    assert PedidoConvite.objects.filter(resultado="ignorado").count() == 1


def test_quem_ativou_antes_da_vez_nao_recebe_convite():
    pessoa = importado()
    convites.registrar_pedidos([pessoa.pk])
    Usuario.objects.filter(pk=pessoa.pk).update(situacao=Usuario.Situacao.ATIVO)
    assert convites.processar() == 0
    assert not convites_de(pessoa).exists()
    assert PedidoConvite.objects.get(usuario=pessoa).resultado == "ignorado"


def test_tarefa_antiga_de_lote_vira_pedido_e_nao_repete():
    pessoa = importado()
    assert tasks.enviar_lote_de_convites([pessoa.pk]) == 1
    assert tasks.enviar_lote_de_convites([pessoa.pk]) == 0  # repetição da fila (acks_late)
    assert convites_de(pessoa).count() == 1


def test_progresso_conta_falhas_e_os_que_estao_na_fila():
    pessoas = [importado() for _ in range(3)]
    convites.registrar_pedidos([p.pk for p in pessoas])
    convites.processar()
    emails = list(EmailSaida.objects.filter(evento="convite").order_by("pk"))
    EmailSaida.objects.filter(pk=emails[0].pk).update(status=EmailSaida.Status.ENVIADO)
    EmailSaida.objects.filter(pk=emails[1].pk).update(status=EmailSaida.Status.FALHOU)
    EmailSaida.objects.filter(pk=emails[2].pk).update(status=EmailSaida.Status.PENDENTE)
    r = convites.resumo()
    assert (r["enviados"], r["falhas"], r["na_fila"], r["a_enviar"]) == (1, 1, 1, 0)


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
    assert "0 a enviar" in saida and "2 enviado(s)" in saida
    assert "0 pessoa(s) ainda sem convite" in saida


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


def test_admin_dos_pedidos_mostra_o_progresso(client):
    client.force_login(UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True))
    convites.registrar_pedidos([importado().pk, importado().pk])
    html = client.get("/admin/accounts/pedidoconvite/").content.decode()
    assert "Convites: 2 a enviar, 0 na fila, 0 enviado(s), 0 com falha" in html
    assert "A enviar" in html


def test_erro_numa_pessoa_nao_trava_os_outros_pedidos():
    pessoas = [importado() for _ in range(3)]
    convites.registrar_pedidos([p.pk for p in pessoas])
    original = convites.services.reenviar_primeiro_acesso

    def falha_na_segunda(usuario, **kw):
        if usuario.pk == pessoas[1].pk:
            raise RuntimeError("e-mail inválido no cadastro")
        return original(usuario, **kw)

    with mock.patch.object(convites.services, "reenviar_primeiro_acesso", falha_na_segunda):
        assert convites.processar() == 2
    assert PedidoConvite.objects.get(usuario=pessoas[1]).resultado == "falhou"
    assert not convites_de(pessoas[1]).exists()
    assert convites.resumo()["falhas"] == 1 and convites.resumo()["a_enviar"] == 0
