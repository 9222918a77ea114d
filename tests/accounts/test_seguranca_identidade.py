"""Segurança da identidade (issue #11, itens 4 e 6).

Item 4: quem se inscreve com o CPF de outra pessoa (e o próprio e-mail) não fica com a conta.
A inscrição nasce "CPF não confirmado"; a primeira entrada do titular pelo gov.br (ou a ação
"Liberar CPF" da administração) retoma a conta do detentor anterior; a aprovação dos
documentos do RL confirma o CPF; inscrições nunca ativadas expiram com o link e liberam o CPF.

Item 6: ``/admin/login/`` não autentica: só leva ao login do portal (limite por IP, bloqueio
por CPF e auditoria).
"""

from datetime import date, timedelta
from io import StringIO

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from accounts import services, tasks
from accounts.models import Usuario
from cagec.core.models import EmailSaida, RegistroAuditoria, TokenAcesso
from cagec.lib.documentos import mascarar_cpf
from parceiros import analise
from parceiros.models import Documento, Solicitacao, Vinculo
from tests.accounts.test_govbr import (  # o provedor OpenID Connect real em 127.0.0.1
    entrar_pelo_govbr,
    logado,
    mensagens,
    provedor,  # noqa: F401 (fixture)
    servidor_oidc,  # noqa: F401 (fixture)
)
from tests.conftest import caminho, link_do_email, ultimo_email
from tests.factories import SENHA, UsuarioFactory, cpf_aleatorio
from tests.parceiros.test_importacao import conteudo_csv, importar, linha
from tests.parceiros.test_importacao import cpf as cpf_da_linha

pytestmark = pytest.mark.django_db

C = Usuario.ConfirmacaoCPF
INTRUSO = "intruso@exemplo.com.br"
TITULAR = "titular@exemplo.com.br"
NOVA = "Outra#Senha2027"
IDENTIDADE = "Documento de identidade do representante legal"


def formatado(cpf):
    return f"{cpf[:3]}.{cpf[3:6]}.{cpf[6:9]}-{cpf[9:]}"


def inscrever(client, cpf, email=INTRUSO):
    client.post(
        "/inscricao/",
        {
            "cpf": formatado(cpf),
            "nome": "Nome Que Alguém Digitou",
            "email": email,
            "email_confirmacao": email,
            "telefone": "(31) 99876-5432",
        },
    )
    return Usuario.objects.get(cpf=cpf)


def link_primeiro_acesso(email):
    return caminho(link_do_email(ultimo_email("primeiro_acesso", para=email), "/primeiro-acesso/"))


def usurpar(cpf):
    """O intruso inscreve o CPF alheio com o próprio e-mail, ativa, entra e aceita o termo."""
    intruso = Client()
    inscrever(intruso, cpf)
    intruso.post(
        link_primeiro_acesso(INTRUSO),
        {"cpf": formatado(cpf), "nova_senha": SENHA, "confirmacao_senha": SENHA},
    )
    assert intruso.post("/entrar/", {"cpf": cpf, "senha": SENHA}).status_code == 302
    intruso.post("/termos/", {"aceito": "on"})
    assert intruso.get("/painel/").status_code == 200
    return intruso, Usuario.objects.get(cpf=cpf)


def sessoes_de(usuario):
    return [s for s in Session.objects.all() if s.get_decoded().get(SESSION_KEY) == str(usuario.pk)]


# --- CPF não confirmado ----------------------------------------------------------------------
def test_inscricao_pelo_portal_nasce_com_cpf_nao_confirmado_e_minha_conta_mostra(client):
    conta = inscrever(client, cpf_aleatorio())
    assert conta.cpf_confirmado_em is None and conta.cpf_confirmado_por == ""
    assert not conta.cpf_confirmado
    client.force_login(conta)
    services.aceitar_termo(conta, services.termo_vigente())
    html = client.get("/minha-conta/").content.decode()
    assert "CPF não confirmado" in html
    assert "Entre uma vez com o gov.br para confirmar que o CPF é seu" in html


def test_conta_importada_nasce_com_cpf_confirmado_pelo_registro_do_estado():
    importar(conteudo_csv([linha(1)]), confirmar=True)
    pessoa = Usuario.objects.get(cpf=cpf_da_linha(1))
    assert pessoa.cpf_confirmado_por == C.IMPORTACAO and pessoa.cpf_confirmado_em is not None


def test_conta_criada_no_admin_nasce_com_cpf_confirmado_pela_administracao(client):
    client.force_login(UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True))
    cpf = cpf_aleatorio()
    resposta = client.post(
        "/admin/accounts/usuario/add/",
        {"cpf": cpf, "nome": "Pessoa Conferida", "email": "conferida@exemplo.gov.br"},
    )
    assert resposta.status_code == 302, resposta.content.decode()[:1500]
    pessoa = Usuario.objects.get(cpf=cpf)
    assert pessoa.cpf_confirmado_por == C.ADMINISTRACAO and pessoa.cpf_confirmado


def test_admin_lista_e_filtra_cpf_nao_confirmado(client):
    client.force_login(UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True))
    inscrita = UsuarioFactory(nome="Inscrita Sem Confirmar")
    confirmada = UsuarioFactory(nome="Confirmada Pelo Gov")
    services.confirmar_cpf(confirmada, por=C.GOVBR)
    html = client.get("/admin/accounts/usuario/").content.decode()
    assert "CPF não confirmado" in html and "Entrada com gov.br" in html
    filtrado = client.get("/admin/accounts/usuario/?cpf=nao").content.decode()
    assert inscrita.nome in filtrado and confirmada.nome not in filtrado
    assert "confirmação do CPF" in filtrado


def processar_recuperacoes():
    """A conferência dos pedidos de /recuperar-senha/ roda na fila depois do commit."""
    services.processar_pedidos_de_recuperacao_pendentes(idade_minima=timedelta(0))


# --- Retomada pelo gov.br --------------------------------------------------------------------
def test_govbr_do_titular_retoma_a_conta_inscrita_por_outra_pessoa(client, provedor):  # noqa: F811
    cpf = cpf_aleatorio()
    intruso, conta = usurpar(cpf)
    intruso.post("/recuperar-senha/", {"cpf": cpf, "email": INTRUSO})
    processar_recuperacoes()
    recuperacao = caminho(
        link_do_email(ultimo_email("recuperacao_senha", para=INTRUSO), "/recuperar-senha/")
    )
    assert len(sessoes_de(conta)) == 1

    provedor.sujeito = cpf
    resposta = entrar_pelo_govbr(client)

    # o titular entra na conta (mesmos vínculos e histórico), avisado do que aconteceu
    assert resposta.status_code == 302 and logado(client)
    assert client.session[SESSION_KEY] == str(conta.pk)
    assert any("Seu CPF foi confirmado pelo gov.br" in m for m in mensagens(resposta))
    conta.refresh_from_db()
    assert conta.cpf_confirmado_por == C.GOVBR and conta.cpf_confirmado_em is not None
    assert conta.email == "" and not conta.has_usable_password()
    # o intruso perdeu tudo: sessão, senha, links
    assert [s.session_key for s in sessoes_de(conta)] == [client.session.session_key]
    painel = intruso.get("/painel/")
    assert painel.status_code == 302 and painel["Location"].startswith("/entrar/")
    assert Client().post("/entrar/", {"cpf": cpf, "senha": SENHA}).status_code == 200
    assert Client().get(recuperacao).status_code == 404
    Client().post("/recuperar-senha/", {"cpf": cpf, "email": INTRUSO})  # nem um link novo
    processar_recuperacoes()
    assert EmailSaida.objects.filter(evento="recuperacao_senha", destinatario=INTRUSO).count() == 1
    assert not TokenAcesso.objects.filter(
        usuario=conta, usado_em=None, expira_em__gt=timezone.now()
    ).exists()
    # o endereço antigo é avisado
    aviso = ultimo_email("cpf_retomado", para=INTRUSO)
    assert "deixou de ser o e-mail da conta" in aviso.corpo_texto
    assert "gov.br" in aviso.corpo_texto
    # a auditoria mostra o que o detentor anterior tinha e fez
    retomada = RegistroAuditoria.objects.get(acao="usuario.cpf_retomado")
    assert retomada.ator == conta and retomada.usuario_afetado == conta
    assert retomada.antes["email"] == INTRUSO and retomada.antes["tinha_senha"] is True
    assert retomada.antes["acoes_ate_aqui"]["usuario.login"] == 1
    assert retomada.antes["acoes_ate_aqui"]["usuario.recuperacao_solicitada"] == 1
    assert retomada.antes["ultima_entrada"] is not None
    assert retomada.depois == {"email": "", "sessoes_encerradas": 1, "links_revogados": 1}
    confirmacao = RegistroAuditoria.objects.get(acao="usuario.cpf_confirmado")
    assert confirmacao.depois == {"por": "govbr"}


def test_depois_da_retomada_o_titular_informa_e_confirma_o_proprio_email(client, provedor):  # noqa: F811
    cpf = cpf_aleatorio()
    usurpar(cpf)
    provedor.sujeito = cpf
    entrar_pelo_govbr(client)
    # sem e-mail, nada funciona antes de informar um (sair continua possível)
    for url in ["/painel/", "/minha-conta/", "/minha-conta/senha/"]:
        resposta = client.get(url)
        assert resposta.status_code == 302 and resposta["Location"] == "/minha-conta/definir-email/"
    pagina = client.get("/minha-conta/definir-email/")
    assert pagina.status_code == 200
    assert "Informe seu e-mail" in pagina.content.decode()

    diferente = client.post(
        "/minha-conta/definir-email/", {"email": TITULAR, "email_confirmacao": "outro@x.com.br"}
    )
    assert "Os dois e-mails digitados não são iguais." in diferente.content.decode()

    enviado = client.post(
        "/minha-conta/definir-email/", {"email": TITULAR, "email_confirmacao": TITULAR}
    )
    assert enviado["Location"] == "/minha-conta/definir-email/"
    assert Usuario.objects.get(cpf=cpf).email == ""  # só vale depois do link
    link = caminho(
        link_do_email(ultimo_email("troca_email_confirmacao", para=TITULAR), "/minha-conta/email/")
    )
    assert client.post(link)["Location"] == "/minha-conta/"
    conta = Usuario.objects.get(cpf=cpf)
    assert conta.email == TITULAR
    html = client.get("/minha-conta/").content.decode()
    assert "CPF confirmado" in html and "CPF não confirmado" not in html
    assert "Conta retomada pelo titular do CPF" in html  # o histórico mostra o que houve
    assert client.get("/painel/").status_code == 200
    dados = client.get("/minha-conta/meus-dados.json").json()
    assert dados["conta"]["cpf_confirmado_por"] == "Entrada com gov.br"


def test_retomada_mantem_os_vinculos_com_organizacoes(client, provedor, rl, parceiro):  # noqa: F811
    assert not rl.cpf_confirmado
    provedor.sujeito = rl.cpf
    entrar_pelo_govbr(client)
    rl.refresh_from_db()
    assert rl.cpf_confirmado_por == C.GOVBR and rl.email == ""
    assert Vinculo.objects.get(parceiro=parceiro, papel=Vinculo.Papel.RL, ativo=True).usuario == rl


def test_govbr_em_conta_com_cpf_ja_confirmado_nao_retoma_nada(client, provedor):  # noqa: F811
    pessoa = UsuarioFactory(aceitou_termo=True, email="dona@exemplo.com.br")
    services.confirmar_cpf(pessoa, por=C.ANALISE)
    provedor.sujeito = pessoa.cpf
    entrar_pelo_govbr(client)
    assert client.get("/painel/").status_code == 200
    pessoa.refresh_from_db()
    assert pessoa.email == "dona@exemplo.com.br" and pessoa.check_password(SENHA)
    assert pessoa.cpf_confirmado_por == C.ANALISE  # vale a primeira confirmação
    assert not RegistroAuditoria.objects.filter(acao="usuario.cpf_retomado").exists()


# --- Liberar CPF (administração) -------------------------------------------------------------
@pytest.fixture
def administradora(client):
    pessoa = UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True)
    client.force_login(pessoa)
    return pessoa


def liberar(client, conta, **campos):
    selecao = {"action": "liberar_cpf", "_selected_action": [conta.pk]}
    return client.post("/admin/accounts/usuario/", {**selecao, **campos})


def test_liberar_cpf_pede_motivo_e_retoma_a_conta_para_o_titular(client, administradora):
    cpf = cpf_aleatorio()
    intruso, conta = usurpar(cpf)

    pergunta = liberar(client, conta)
    assert pergunta.status_code == 200
    html = pergunta.content.decode()
    assert "Motivo e conferência feita" in html and "E-mail do titular" in html
    sem_motivo = liberar(client, conta, confirmar="1", email=TITULAR, motivo="   ")
    assert sem_motivo.status_code == 200
    conta.refresh_from_db()
    assert conta.email == INTRUSO and conta.check_password(SENHA)

    feita = liberar(
        client, conta, confirmar="1", email=TITULAR, motivo="RG conferido no atendimento 123/2026"
    )

    assert feita.status_code == 302
    conta.refresh_from_db()
    assert conta.email == TITULAR and not conta.has_usable_password()
    assert conta.cpf_confirmado_por == C.ADMINISTRACAO
    assert intruso.get("/painel/").status_code == 302 and sessoes_de(conta) == []
    liberacao = RegistroAuditoria.objects.get(acao="usuario.cpf_liberado")
    assert liberacao.ator == administradora and liberacao.usuario_afetado == conta
    assert liberacao.descricao == "RG conferido no atendimento 123/2026"
    assert liberacao.antes["email"] == INTRUSO
    assert liberacao.depois["email"] == TITULAR and liberacao.depois["sessoes_encerradas"] == 1
    assert "equipe do CAGEC" in ultimo_email("cpf_retomado", para=INTRUSO).corpo_texto
    # o titular cria a senha pelo link enviado ao e-mail conferido e entra
    link = caminho(link_do_email(ultimo_email("cpf_liberado", para=TITULAR), "/recuperar-senha/"))
    titular = Client()
    titular.post(link, {"nova_senha": NOVA, "confirmacao_senha": NOVA})
    assert titular.post("/entrar/", {"cpf": cpf, "senha": NOVA}).status_code == 302


def test_liberar_cpf_recusa_conta_confirmada_pelo_govbr_e_mais_de_uma_conta(client, administradora):
    dona = UsuarioFactory(email="dona@exemplo.com.br")
    services.confirmar_cpf(dona, por=C.GOVBR)
    resposta = liberar(client, dona, confirmar="1", email=TITULAR, motivo="Pedido")
    assert resposta.status_code == 302
    aviso = [str(m) for m in client.get(resposta["Location"]).wsgi_request._messages]
    assert any("confirmado pelo gov.br" in m for m in aviso)
    dona.refresh_from_db()
    assert dona.email == "dona@exemplo.com.br" and dona.check_password(SENHA)

    outra = UsuarioFactory()
    selecao = {"action": "liberar_cpf", "_selected_action": [dona.pk, outra.pk]}
    client.post("/admin/accounts/usuario/", selecao)
    assert not RegistroAuditoria.objects.filter(acao="usuario.cpf_liberado").exists()


def test_liberar_cpf_nao_aparece_para_quem_nao_pode_alterar_usuarios(client):
    equipe = UsuarioFactory(aceitou_termo=True, is_staff=True)
    equipe.groups.add(Group.objects.get(name="Analista"))
    client.force_login(equipe)
    conta = UsuarioFactory()
    liberar(client, conta, confirmar="1", email=TITULAR, motivo="Pedido")
    conta.refresh_from_db()
    assert conta.email != TITULAR and not conta.cpf_confirmado


# --- Confirmação pela análise dos documentos do RL ---------------------------------------------
@pytest.fixture
def _pdf_rapido(monkeypatch):
    from cagec.lib import pdf

    monkeypatch.setattr(pdf, "renderizar_pdf", lambda *a, **k: b"%PDF-1.7\n% teste\n")


@pytest.fixture
def analista_do_grupo(analista):
    analista.groups.add(Group.objects.get(name="Analista"))
    return Usuario.objects.get(pk=analista.pk)


def vinculacao_com_identidade(novo_rl, parceiro, *, encaminhar=True):
    """Vinculação de RL com o diploma e o documento de identidade (credenciamento do RL)."""
    from parceiros import services as parceiros
    from tests.parceiros.test_analise import DIPLOMA, anexar, para_analise

    pedido = parceiros.iniciar_atualizacao(parceiro, Solicitacao.Tipo.VINCULACAO_RL, ator=novo_rl)
    pedido = parceiros.salvar_representante(
        pedido,
        ator=novo_rl,
        representante=novo_rl,
        cargo="Prefeito",
        mandato_inicio=date(2026, 1, 1),
        mandato_fim=date(2030, 12, 31),
    )
    anexar(pedido, novo_rl, DIPLOMA)
    anexar(pedido, novo_rl, IDENTIDADE)
    return para_analise(pedido, novo_rl)


@pytest.mark.usefixtures("_pdf_rapido")
def test_aprovar_os_documentos_do_rl_confirma_o_cpf_e_o_analista_ve_antes(
    client, rl, parceiro, analista_do_grupo
):
    novo_rl = UsuarioFactory(aceitou_termo=True, nome="Nina Nova")
    pedido = vinculacao_com_identidade(novo_rl, parceiro)
    client.force_login(analista_do_grupo)
    assert "CPF não confirmado" in client.get(f"/analise/{pedido.pk}/").content.decode()

    analise.decidir(pedido, ator=analista_do_grupo, decisao=Solicitacao.Status.APROVADA)

    novo_rl.refresh_from_db()
    assert novo_rl.cpf_confirmado_por == C.ANALISE
    confirmacao = RegistroAuditoria.objects.get(acao="usuario.cpf_confirmado")
    assert confirmacao.ator == analista_do_grupo and confirmacao.usuario_afetado == novo_rl
    assert f"Solicitação nº {pedido.pk}" in confirmacao.descricao
    assert "CPF não confirmado" not in client.get(f"/analise/{pedido.pk}/").content.decode()


@pytest.mark.usefixtures("_pdf_rapido")
def test_aprovacao_sem_documentos_de_credenciamento_do_rl_nao_confirma_o_cpf(analista_do_grupo):
    from tests.parceiros.test_analise import inscricao

    pessoa = UsuarioFactory(aceitou_termo=True)
    pedido = inscricao(pessoa)  # só CNDT e cartão CNPJ: nada sobre quem é o RL
    analise.decidir(pedido, ator=analista_do_grupo, decisao=Solicitacao.Status.APROVADA)
    pessoa.refresh_from_db()
    assert not pessoa.cpf_confirmado


@pytest.mark.usefixtures("_pdf_rapido")
def test_identidade_do_rl_reprovada_nao_confirma_o_cpf(rl, parceiro, analista_do_grupo):
    from tests.parceiros.test_analise import documentos

    novo_rl = UsuarioFactory(aceitou_termo=True)
    pedido = vinculacao_com_identidade(novo_rl, parceiro)
    diploma, identidade = documentos(pedido)
    pareceres = {
        diploma.pk: (Documento.Parecer.APROVAR, ""),
        identidade.pk: (Documento.Parecer.REPROVAR, "Foto ilegível"),
    }
    analise.decidir(
        pedido,
        ator=analista_do_grupo,
        decisao=Solicitacao.Status.APROVADA_PARCIALMENTE,
        motivo="Identidade ilegível",
        pareceres=pareceres,
    )
    novo_rl.refresh_from_db()
    assert not novo_rl.cpf_confirmado


# --- Expiração das inscrições nunca ativadas --------------------------------------------------
def test_inscricao_nao_ativada_expira_com_o_link_e_libera_o_cpf(client):
    cpf = cpf_aleatorio()
    conta = inscrever(client, cpf)
    link_antigo = link_primeiro_acesso(INTRUSO)
    inscricao_auditada = RegistroAuditoria.objects.get(acao="usuario.inscricao")
    agora = timezone.now()

    with time_machine.travel(agora + timedelta(hours=71)):
        assert services.expirar_inscricoes() == 0
    with time_machine.travel(agora + timedelta(hours=73)):
        saida = StringIO()
        call_command("expirar_inscricoes", stdout=saida)
        assert "1 inscrição(ões) expirada(s)" in saida.getvalue()

    conta.refresh_from_db()
    assert conta.situacao == Usuario.Situacao.EXPIRADA and not conta.is_active
    assert conta.cpf.startswith("x") and len(conta.cpf) <= 11
    assert (conta.nome, conta.email, conta.telefone) == ("Inscrição expirada", "", "")
    assert not conta.has_usable_password()
    expiracao = RegistroAuditoria.objects.get(acao="usuario.expirada")
    assert expiracao.usuario_afetado == conta and cpf not in expiracao.descricao
    assert mascarar_cpf(cpf) in expiracao.descricao
    inscricao_auditada.refresh_from_db()  # a trilha continua, apontando para a conta anônima
    assert inscricao_auditada.usuario_afetado == conta
    assert client.get(link_antigo).status_code == 404
    # o CPF está livre: o titular se inscreve e recebe o link no e-mail dele
    titular = inscrever(Client(), cpf, email=TITULAR)
    assert titular.pk != conta.pk and titular.email == TITULAR
    assert ultimo_email("primeiro_acesso", para=TITULAR) is not None
    assert ultimo_email("tentativa_inscricao") is None


def test_nao_expiram_inscricao_com_link_reenviado_confirmada_importada_ou_com_dados(
    client, rl, parceiro
):
    agora = timezone.now()
    reenviada = inscrever(client, cpf_aleatorio(), email="reenviada@exemplo.com.br")
    confirmada = inscrever(client, cpf_aleatorio(), email="confirmada@exemplo.com.br")
    services.confirmar_cpf(confirmada, por=C.ADMINISTRACAO)
    com_grupo = inscrever(client, cpf_aleatorio(), email="grupo@exemplo.com.br")
    com_grupo.groups.add(Group.objects.get(name="Analista"))
    importada = UsuarioFactory(pendente=True, origem=Usuario.Origem.IMPORTACAO)
    vencida = inscrever(client, cpf_aleatorio(), email="vencida@exemplo.com.br")
    with time_machine.travel(agora + timedelta(hours=70)):
        services.reenviar_primeiro_acesso(reenviada)
    with time_machine.travel(agora + timedelta(hours=73)):
        assert set(services.inscricoes_a_expirar()) == {com_grupo, vencida}
        assert services.expirar_inscricoes() == 1
    for pessoa in (reenviada, confirmada, com_grupo, importada):
        pessoa.refresh_from_db()
        assert pessoa.situacao == Usuario.Situacao.PENDENTE and pessoa.cpf.isdigit()
    vencida.refresh_from_db()
    assert vencida.situacao == Usuario.Situacao.EXPIRADA


def test_expiracao_roda_de_hora_em_hora_pelo_beat():
    agenda = settings.CELERY_BEAT_SCHEDULE["expirar-inscricoes"]
    assert agenda["task"] == "accounts.tasks.expirar_inscricoes"
    assert agenda["schedule"] == timedelta(hours=1)
    conta = UsuarioFactory(pendente=True)
    Usuario.objects.filter(pk=conta.pk).update(created_at=timezone.now() - timedelta(days=4))
    assert tasks.expirar_inscricoes.delay().get() == 1


# --- Item 6: um só caminho de login -----------------------------------------------------------
def test_admin_login_redireciona_ao_login_do_portal_com_next_seguro(client):
    assert client.get("/admin/login/")["Location"] == "/entrar/?next=/admin/"
    destino = client.get("/admin/login/?next=/admin/accounts/usuario/")["Location"]
    assert destino == "/entrar/?next=/admin/accounts/usuario/"
    for ruim in ["https://mal.example/admin/", "//mal.example/admin/", "/painel/", "/admin/login/"]:
        assert client.get("/admin/login/", {"next": ruim})["Location"] == "/entrar/?next=/admin/"
    # o admin protegido leva ao mesmo lugar
    assert client.get("/admin/", follow=True).redirect_chain[-1][0] == "/entrar/?next=/admin/"


def test_post_no_admin_login_nao_autentica_nem_audita(client):
    equipe = UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True)
    resposta = client.post(
        "/admin/login/?next=/admin/",
        {"username": equipe.cpf, "password": SENHA, "next": "/admin/"},
    )
    assert resposta.status_code == 302 and resposta["Location"] == "/entrar/?next=/admin/"
    assert SESSION_KEY not in client.session
    assert client.get("/admin/").status_code == 302
    assert not RegistroAuditoria.objects.filter(acao="usuario.login").exists()


def test_post_no_admin_login_nao_troca_a_sessao_para_outra_conta(client, usuario):
    equipe = UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True)
    client.force_login(usuario)
    resposta = client.post("/admin/login/", {"username": equipe.cpf, "password": SENHA})
    assert resposta.status_code == 403  # entrou, mas não é da equipe: sem laço de redirecionamento
    assert client.session[SESSION_KEY] == str(usuario.pk)


def test_equipe_entra_no_admin_pelo_login_do_portal_com_auditoria(client):
    equipe = UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True)
    resposta = client.post("/entrar/", {"cpf": equipe.cpf, "senha": SENHA, "next": "/admin/"})
    assert resposta["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200
    assert client.get("/admin/login/?next=/admin/accounts/")["Location"] == "/admin/accounts/"
    login = RegistroAuditoria.objects.get(acao="usuario.login", ator=equipe)
    assert login.depois == {"metodo": "senha"}


# --- Conta sem e-mail (retomada) não gera e-mail sem destinatário ---------------------------
def test_caixa_de_saida_ignora_mensagem_sem_destinatario():
    from cagec.lib import emails

    contexto = {"usuario": UsuarioFactory(), "link": "https://x/", "horas": 72}
    assert emails.enfileirar_email("primeiro_acesso", "", contexto) is None
    criados = emails.enfileirar_emails(
        [("primeiro_acesso", "", contexto, None), ("primeiro_acesso", TITULAR, contexto, None)]
    )
    assert [e.destinatario for e in criados] == [TITULAR]
    assert not EmailSaida.objects.filter(destinatario="").exists()
