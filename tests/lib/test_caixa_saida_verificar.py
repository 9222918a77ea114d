"""Reconciliação, "verificar" no admin, alertas (admin e /saude/prontidao/) e a configuração
das filas e do beat da caixa de saída."""

from collections import Counter
from datetime import timedelta
from types import SimpleNamespace
from unittest import mock

import pytest
from django.conf import settings
from django.contrib.auth.models import Permission
from django.core import mail
from django.db import OperationalError
from django.utils import timezone

from cagec.core.models import EmailSaida, RegistroAuditoria
from cagec.lib import caixa_saida, emails, entrega, smtp
from tests.factories import UsuarioFactory

Status = EmailSaida.Status
pytestmark = pytest.mark.django_db
CONTEXTO = {"usuario": SimpleNamespace(nome="Ana"), "link": "http://testserver/l/a", "horas": 48}


def pendente(destinatario="ana@exemplo.com.br"):
    with mock.patch.object(emails, "publicar_envio"):
        return emails.enfileirar_email("primeiro_acesso", destinatario, CONTEXTO)


def na_situacao(status, *, ha=timedelta(0), dados=False, **campos):
    email = pendente(f"{status}{EmailSaida.objects.count()}@exemplo.com.br")
    momento = timezone.now() - ha
    EmailSaida.objects.filter(pk=email.pk).update(
        status=status,
        created_at=momento,
        reivindicado_em=momento if status == Status.ENVIANDO else None,
        dados_em=momento if dados else None,
        **campos,
    )
    email.refresh_from_db()
    return email


# --- Reconciliação ----------------------------------------------------------------------------


def test_reconciliacao_resolve_so_o_enviando_abandonado_pela_fase(settings):
    settings.CAIXA_SAIDA_RECONCILIAR_APOS = timedelta(minutes=10)
    sem_corpo = na_situacao(Status.ENVIANDO, ha=timedelta(minutes=11))
    com_corpo = na_situacao(Status.ENVIANDO, ha=timedelta(minutes=11), dados=True)
    recente = na_situacao(Status.ENVIANDO, ha=timedelta(minutes=9), dados=True)

    assert caixa_saida.reconciliar() == 2

    sem_corpo.refresh_from_db()
    com_corpo.refresh_from_db()
    recente.refresh_from_db()
    assert (sem_corpo.status, sem_corpo.tentativas) == (Status.PENDENTE, 0)
    assert "nada foi entregue" in sem_corpo.ultimo_erro
    assert sem_corpo.proxima_tentativa_em <= timezone.now()
    assert (com_corpo.status, com_corpo.tentativas) == (Status.VERIFICAR, 1)
    assert "Confira no provedor" in com_corpo.ultimo_erro
    assert recente.status == Status.ENVIANDO
    assert caixa_saida.reconciliar() == 0


def test_reconciliacao_com_provedor_que_deduplica_reenvia_com_o_mesmo_message_id(settings):
    settings.EMAIL_PROVEDOR_DEDUPLICA_MESSAGE_ID = True
    com_corpo = na_situacao(Status.ENVIANDO, ha=timedelta(hours=1), dados=True)

    assert caixa_saida.reconciliar() == 1
    assert entrega.entregar(com_corpo.pk) is True

    com_corpo.refresh_from_db()
    assert (com_corpo.status, com_corpo.tentativas) == (Status.ENVIADO, 2)
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [com_corpo.message_id]


def test_worker_que_volta_tarde_nao_grava_por_cima_de_quem_reconciliou():
    email = pendente()
    reivindicado = entrega.reivindicar(email.pk)
    EmailSaida.objects.filter(pk=email.pk).update(
        status=Status.PENDENTE, reivindicacao=None
    )  # reconciliada enquanto o worker estava parado

    with pytest.raises(entrega.ReivindicacaoPerdida):
        entrega._marcar_corpo(reivindicado)
    entrega.registrar_falha(reivindicado, OSError("x"), entrega.Desfecho.CONEXAO)
    email.refresh_from_db()
    assert (email.status, email.tentativas) == (Status.PENDENTE, 0)


def test_confirmacao_atrasada_da_mesma_tentativa_tira_de_verificar():
    email = pendente()
    reivindicado = entrega.reivindicar(email.pk)
    EmailSaida.objects.filter(pk=email.pk).update(status=Status.VERIFICAR)

    entrega._marcar_enviado(reivindicado)

    email.refresh_from_db()
    assert email.status == Status.ENVIADO


# --- Banco fora depois do 250 ----------------------------------------------------------------


def test_banco_fora_depois_do_aceite_insiste_ate_gravar_enviado(settings):
    settings.CAIXA_SAIDA_INSISTIR_NO_BANCO = timedelta(seconds=10)
    email = pendente()
    falhas = iter([OperationalError("banco fora"), OperationalError("banco fora")])
    original = entrega.Reivindicado.linha

    def linha_instavel(self):
        erro = next(falhas, None)
        if erro is not None:
            raise erro
        return original(self)

    with mock.patch.object(entrega.time, "sleep"):
        reivindicado = entrega.reivindicar(email.pk)
        with mock.patch.object(entrega.Reivindicado, "linha", linha_instavel):
            entrega._marcar_enviado(reivindicado)

    email.refresh_from_db()
    assert (email.status, email.tentativas) == (Status.ENVIADO, 1)


def test_banco_fora_por_mais_tempo_que_a_insistencia_deixa_enviando_para_a_reconciliacao(
    settings,
):
    settings.CAIXA_SAIDA_INSISTIR_NO_BANCO = timedelta(seconds=0)
    email = pendente()
    reivindicado = entrega.reivindicar(email.pk)
    with mock.patch.object(
        entrega.Reivindicado, "linha", side_effect=OperationalError("banco fora")
    ):
        entrega._marcar_enviado(reivindicado)

    email.refresh_from_db()
    assert email.status == Status.ENVIANDO


# --- Classificação e espera ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("erro", "corpo_enviado", "desfecho"),
    [
        (smtp.EntregaIncerta("timeout"), True, entrega.Desfecho.INCERTO),
        # Limite da task (ou qualquer outra exceção) com o corpo já enviado: incerto.
        (TimeoutError("limite da task"), True, entrega.Desfecho.INCERTO),
        (ConnectionRefusedError(), False, entrega.Desfecho.CONEXAO),
        (TimeoutError("saudação"), False, entrega.Desfecho.CONEXAO),
    ],
)
def test_classificacao(erro, corpo_enviado, desfecho):
    assert entrega.classificar(erro, corpo_enviado=corpo_enviado) is desfecho


def test_classificacao_das_respostas_do_servidor():
    import smtplib

    recusado = smtplib.SMTPRecipientsRefused({"a@b": (550, b"no such user")})
    adiado = smtplib.SMTPRecipientsRefused({"a@b": (451, b"later")})
    assert entrega.classificar(recusado, corpo_enviado=False) is entrega.Desfecho.RECUSADO
    assert entrega.classificar(adiado, corpo_enviado=False) is entrega.Desfecho.TEMPORARIO
    rejeitada = smtplib.SMTPDataError(554, b"spam")
    assert entrega.classificar(rejeitada, corpo_enviado=True) is entrega.Desfecho.RECUSADO
    cheio = smtplib.SMTPDataError(452, b"mailbox full")
    assert entrega.classificar(cheio, corpo_enviado=True) is entrega.Desfecho.TEMPORARIO
    fora = smtplib.SMTPConnectError(421, b"busy")
    assert entrega.classificar(fora, corpo_enviado=False) is entrega.Desfecho.CONEXAO


def test_espera_dobra_com_jitter_e_respeita_o_teto(settings):
    settings.CAIXA_SAIDA_ESPERA_BASE = timedelta(minutes=1)
    settings.CAIXA_SAIDA_ESPERA_TETO = timedelta(hours=6)
    for n, base in [(1, 60), (2, 120), (3, 240), (8, 7680)]:
        amostras = [entrega.espera(n).total_seconds() for _ in range(200)]
        assert base * 0.75 <= min(amostras) and max(amostras) <= base * 1.25
        assert max(amostras) - min(amostras) > base * 0.1  # há jitter
    assert entrega.espera(500) <= timedelta(hours=6)


# --- Admin -----------------------------------------------------------------------------------


@pytest.fixture
def equipe(client):
    pessoa = UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True)
    client.force_login(pessoa)
    return pessoa


URL = "/admin/core/emailsaida/"


def test_admin_verificar_foi_entregue_marca_enviado_e_audita(client, equipe):
    email = na_situacao(Status.VERIFICAR, dados=True)
    outro = na_situacao(Status.PENDENTE)

    resposta = client.post(
        URL,
        {"action": "confirmar_entrega", "_selected_action": [email.pk, outro.pk]},
        follow=True,
    )

    assert resposta.status_code == 200
    texto = resposta.content.decode()
    assert "1 e-mail(s) marcado(s) como enviado(s)" in texto
    assert "1 e-mail(s) ignorado(s)" in texto
    email.refresh_from_db()
    assert (email.status, email.enviado_em) == (Status.ENVIADO, email.dados_em)
    assert RegistroAuditoria.objects.filter(
        acao="email.entrega_confirmada", objeto_id=str(email.pk), ator=equipe
    ).exists()
    assert mail.outbox == []


def test_admin_verificar_nao_chegou_reenvia_com_o_mesmo_message_id(
    client, equipe, django_capture_on_commit_callbacks
):
    email = na_situacao(Status.VERIFICAR, dados=True, tentativas=1)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(URL, {"action": "reenviar_mesmo_message_id", "_selected_action": [email.pk]})

    email.refresh_from_db()
    assert (email.status, email.tentativas) == (Status.ENVIADO, 2)
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [email.message_id]
    assert EmailSaida.objects.count() == 1  # a mesma linha, não uma cópia


def test_quem_so_ve_a_caixa_de_saida_nao_reenvia_nem_marca_como_entregue(client):
    """As ações mudam o destino de e-mails: exigem ``core.change_emailsaida``."""
    leitora = UsuarioFactory(aceitou_termo=True, is_staff=True)
    leitora.user_permissions.add(Permission.objects.get(codename="view_emailsaida"))
    client.force_login(leitora)
    email = na_situacao(Status.VERIFICAR, dados=True)

    pagina = client.get(URL).content.decode()
    for acao in ("confirmar_entrega", "reenviar_mesmo_message_id", "reenviar"):
        assert f'value="{acao}"' not in pagina
        client.post(URL, {"action": acao, "_selected_action": [email.pk]})

    email.refresh_from_db()
    assert email.status == Status.VERIFICAR and EmailSaida.objects.count() == 1
    assert not RegistroAuditoria.objects.filter(acao__startswith="email.").exists()


def test_admin_lista_em_portugues_com_message_id_fase_e_proxima_tentativa(client, equipe):
    na_situacao(Status.VERIFICAR, dados=True)

    texto = client.get(URL).content.decode()

    for rotulo in [
        "Criado em",
        "Destinatário",
        "Situação",
        "Tentativas",
        "Fase do último envio",
        "Próxima tentativa em",
        "Enviado em",
        "Message-ID",
        "corpo enviado, sem resposta",
        "Foi entregue (marcar como enviado)",
        "Não chegou — enviar de novo (mesmo Message-ID)",
    ]:
        assert rotulo in texto, rotulo
    assert "&lt;cagec-" in texto  # o Message-ID (escapado no HTML)
    rotulos = {
        campo.name: str(campo.verbose_name)
        for campo in EmailSaida._meta.get_fields()
        if not campo.auto_created and campo.name != "id"
    }
    assert rotulos == {
        "evento": "evento",
        "usuario": "usuário",
        "destinatario": "destinatário",
        "assunto": "assunto",
        "corpo_texto": "corpo (texto)",
        "corpo_html": "corpo (HTML)",
        "token": "link de uso único",
        "status": "situação",
        "tentativas": "tentativas",
        "ultimo_erro": "último erro",
        "created_at": "criado em",
        "enviado_em": "enviado em",
        "proxima_tentativa_em": "próxima tentativa em",
        "reivindicacao": "reivindicação",
        "reivindicado_em": "reivindicado em",
        "dados_em": "corpo enviado em",
    }


# --- Alertas ----------------------------------------------------------------------------------


def test_sem_nada_parado_nao_ha_aviso_nem_atencao(client, equipe):
    pendente()  # recém-criado: não é atraso
    na_situacao(Status.ENVIADO, ha=timedelta(days=2))

    assert not caixa_saida.alertas().algum
    assert caixa_saida.verificacao_de_saude().estado == "ok"
    assert "aviso-caixa-de-saida" not in client.get("/admin/").content.decode()


def test_pendente_velho_verificar_e_falhou_acendem_o_aviso_e_a_prontidao(client, equipe):
    na_situacao(Status.PENDENTE, ha=timedelta(minutes=40))
    na_situacao(Status.PENDENTE, ha=timedelta(minutes=20))
    na_situacao(Status.VERIFICAR, dados=True)
    na_situacao(Status.FALHOU, ha=timedelta(days=1))
    na_situacao(Status.FALHOU, ha=timedelta(days=30))  # antigo: fora da janela
    na_situacao(Status.ENVIANDO, ha=timedelta(hours=1))

    resultado = caixa_saida.verificacao_de_saude()
    assert resultado.estado == "atencao"
    assert resultado.detalhe == {
        "pendentes_atrasados": 2,
        "minutos_do_pendente_mais_antigo": 40,
        "enviando_presos": 1,
        "verificar": 1,
        "falhou_recentes": 1,
    }
    prontidao = client.get("/saude/prontidao/").json()
    assert prontidao["caixa_de_saida"]["estado"] == "atencao"
    assert prontidao["caixa_de_saida"]["verificar"] == 1

    pagina = " ".join(client.get("/admin/").content.decode().split())
    assert "aviso-caixa-de-saida" in pagina
    assert "2 e-mail(s) pendente(s)</a> há mais de 15 min (o mais antigo há 40 min)" in pagina
    assert "1 para verificar" in pagina


def test_aviso_nao_aparece_para_quem_nao_e_da_equipe(client):
    na_situacao(Status.VERIFICAR, dados=True)
    client.force_login(UsuarioFactory(aceitou_termo=True))
    assert "aviso-caixa-de-saida" not in client.get("/admin/login/").content.decode()


# --- Filas e beat -----------------------------------------------------------------------------


def test_envio_e_varredura_em_filas_separadas_e_varredura_velha_expira():
    from cagec.celery import app

    rotas = settings.CELERY_TASK_ROUTES
    assert rotas["accounts.tasks.enviar_email"] == {"queue": "emails"}
    assert rotas["accounts.tasks.varrer_caixa_de_saida"] == {"queue": "varreduras"}
    assert {"celery", "emails", "varreduras"} <= {q.name for q in settings.CELERY_TASK_QUEUES}
    # Uma chave por fila: com a mesma chave, cada mensagem seria copiada para as três.
    chaves = [q.routing_key for q in app.amqp.queues.values()]
    assert len(chaves) == len(set(chaves))
    entrada = settings.CELERY_BEAT_SCHEDULE["varrer-caixa-de-saida"]
    intervalo = entrada["schedule"].total_seconds()
    assert 0 < entrada["options"]["expires"] < intervalo
    varredura = app.tasks["accounts.tasks.varrer_caixa_de_saida"]
    limite = varredura.time_limit
    assert settings.CAIXA_SAIDA_VARREDURA_ORCAMENTO.total_seconds() < limite / 2
    # O pior envio depois do orçamento (comandos, resposta final, insistência) cabe no limite.
    pior = (
        settings.CAIXA_SAIDA_VARREDURA_ORCAMENTO.total_seconds()
        + 4 * settings.EMAIL_TIMEOUT
        + settings.EMAIL_TIMEOUT_RESPOSTA_FINAL
        + settings.CAIXA_SAIDA_INSISTIR_NO_BANCO.total_seconds()
    )
    assert pior < limite
    assert settings.CAIXA_SAIDA_RECONCILIAR_APOS.total_seconds() > max(
        limite, settings.CELERY_TASK_TIME_LIMIT
    )
    assert Counter(q.name for q in settings.CELERY_TASK_QUEUES).most_common(1)[0][1] == 1


@pytest.mark.django_db(transaction=True)
def test_uma_varredura_por_vez_a_segunda_nao_faz_nada():
    import threading

    from django.db import connection, connections

    from cagec.lib import travas

    if connection.vendor != "postgresql":
        pytest.skip("a trava entre processos (advisory lock) existe só no PostgreSQL")
    pegou, soltar = threading.Event(), threading.Event()

    def outra_varredura():
        try:
            with travas.exclusiva(caixa_saida.TRAVA_DA_VARREDURA) as obtida:
                assert obtida
                pegou.set()
                soltar.wait(timeout=10)
        finally:
            connections.close_all()

    outra = threading.Thread(target=outra_varredura)
    outra.start()
    try:
        assert pegou.wait(timeout=10)
        na_situacao(Status.ENVIANDO, ha=timedelta(hours=1))
        resumo = caixa_saida.varrer()
        assert (resumo.executou, resumo.reconciliados) == (False, 0)
    finally:
        soltar.set()
        outra.join(timeout=10)
    assert caixa_saida.varrer().executou is True


def test_enviar_uma_copia_nao_vale_para_enviando_nem_verificar():
    """Cópia com outro Message-ID de algo que pode ter chegado seria a duplicata que evitamos."""
    enviando = na_situacao(Status.ENVIANDO)
    verificar = na_situacao(Status.VERIFICAR, dados=True)

    assert emails.reenviar(enviando.pk) is False
    assert emails.reenviar(verificar.pk) is False
    assert EmailSaida.objects.count() == 2


def test_admin_detalhe_somente_leitura_em_portugues(client, equipe):
    email = na_situacao(Status.VERIFICAR, dados=True, ultimo_erro="EntregaIncerta: timeout")

    resposta = client.get(f"{URL}{email.pk}/change/")

    assert resposta.status_code == 200
    texto = resposta.content.decode()
    for rotulo in ["Destinatário", "Situação", "Último erro", "Corpo enviado em", "Message-ID"]:
        assert rotulo in texto, rotulo
    assert 'name="_save"' not in texto  # só leitura
