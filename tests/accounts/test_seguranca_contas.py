"""Segurança das contas (issue #11, itens 11, 12, 13 e 18).

11: a senha redigitada em Minha conta conta para o bloqueio do CPF, como no login.
12: /recuperar-senha/ faz o mesmo trabalho com e sem correspondência de CPF e e-mail.
13: trocar ou redefinir a senha invalida os links de recuperação, primeiro acesso e troca de
    e-mail ainda abertos.
18: limite de e-mails por destinatário (bombardeio de e-mails pelas páginas públicas).
"""

import re
from contextlib import ExitStack
from datetime import timedelta
from unittest import mock

import pytest
import time_machine
from axes.models import AccessAttempt
from django.core.cache import cache
from django.db import connection
from django.test import Client, TestCase
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import services, tasks
from accounts.autenticacao import chave_do_cpf
from accounts.models import PedidoRecuperacao, Usuario
from cagec.core.models import EmailSaida, RegistroAuditoria, TokenAcesso
from cagec.lib import emails as emails_lib
from tests.conftest import caminho, link_do_email, ultimo_email
from tests.factories import SENHA, UsuarioFactory, cpf_aleatorio

pytestmark = pytest.mark.django_db
NOVA = "Outra#Senha2027"
ERRADA = "Errada#123"


def trocar_senha(client, atual):
    return client.post(
        "/minha-conta/senha/",
        {"senha_atual": atual, "nova_senha": NOVA, "confirmacao_senha": NOVA},
    )


def trocar_email(client, senha, novo="novo@exemplo.com.br"):
    return client.post(
        "/minha-conta/email/", {"email": novo, "email_confirmacao": novo, "senha": senha}
    )


def entrar(client, cpf, senha):
    return client.post("/entrar/", {"cpf": cpf, "senha": senha})


def falhas(usuario):
    tentativa = AccessAttempt.objects.filter(username=chave_do_cpf(usuario.cpf)).first()
    return tentativa.failures_since_start if tentativa else 0


# --- Item 11: senha atual errada conta para o bloqueio ---------------------------------------
def test_senha_atual_errada_na_troca_de_senha_conta_como_falha_de_login(cliente_logado, usuario):
    html = trocar_senha(cliente_logado, ERRADA).content.decode()
    assert "senha atual não confere" in html
    assert falhas(usuario) == 1


def test_quinta_senha_atual_errada_bloqueia_o_cpf_e_encerra_a_sessao(cliente_logado, usuario):
    for _ in range(4):
        assert trocar_senha(cliente_logado, ERRADA).status_code == 200
    quinta = trocar_senha(cliente_logado, ERRADA)
    assert quinta.status_code == 429
    html = quinta.content.decode()
    assert "Acesso temporariamente bloqueado" in html and "/recuperar-senha/" in html
    # a sessão acabou e o login, nem com a senha certa, passa durante o bloqueio
    assert cliente_logado.get("/painel/")["Location"].startswith("/entrar/")
    assert entrar(cliente_logado, usuario.cpf, SENHA).status_code == 429
    usuario.refresh_from_db()
    assert usuario.check_password(SENHA)
    assert RegistroAuditoria.objects.filter(
        acao="usuario.sessao_encerrada_por_bloqueio", usuario_afetado=usuario
    ).exists()


def test_senha_errada_na_troca_de_email_soma_com_o_login_e_bloqueia(client, usuario):
    client.force_login(usuario)
    outro_navegador = type(client)()
    for _ in range(3):
        assert entrar(outro_navegador, usuario.cpf, ERRADA).status_code == 200
    assert trocar_email(client, ERRADA).status_code == 200
    quinta = trocar_email(client, ERRADA)
    assert quinta.status_code == 429
    assert "Acesso temporariamente bloqueado" in quinta.content.decode()
    assert client.get("/minha-conta/")["Location"].startswith("/entrar/")
    usuario.refresh_from_db()
    assert usuario.email != "novo@exemplo.com.br"


def test_cpf_bloqueado_nao_troca_senha_nem_com_a_senha_certa(cliente_logado, usuario, client):
    outro_navegador = type(client)()
    for _ in range(5):
        entrar(outro_navegador, usuario.cpf, ERRADA)
    resposta = trocar_senha(cliente_logado, SENHA)
    assert resposta.status_code == 429
    usuario.refresh_from_db()
    assert usuario.check_password(SENHA) and not usuario.check_password(NOVA)
    assert cliente_logado.get("/painel/").status_code == 302


@pytest.mark.parametrize("atual", ["", ERRADA])
def test_nova_senha_nao_serve_de_oraculo_da_senha_atual_sem_conferir_a_atual(
    cliente_logado, usuario, atual
):
    """A regra "diferente da senha atual" só roda depois da senha atual conferida: sem isso,
    digitar candidatas em "Nova senha" (com a atual vazia) as testaria sem contar tentativas."""
    dados = {"senha_atual": atual, "nova_senha": SENHA, "confirmacao_senha": SENHA}
    html = cliente_logado.post("/minha-conta/senha/", dados).content.decode()
    assert "diferente da senha atual" not in html
    dados = {"senha_atual": SENHA, "nova_senha": SENHA, "confirmacao_senha": SENHA}
    html = cliente_logado.post("/minha-conta/senha/", dados).content.decode()
    assert "diferente da senha atual" in html  # com a atual certa, a regra continua valendo


def test_bloqueio_pela_troca_de_email_nao_atinge_outra_pessoa(cliente_logado, usuario, client):
    for _ in range(5):
        trocar_email(cliente_logado, ERRADA)
    outra = UsuarioFactory()
    assert entrar(client, outra.cpf, SENHA).status_code == 302


# --- Item 13: mudar a senha (ou o e-mail) encerra os links abertos ----------------------------
def depois_do_commit():
    """Roda o que o pedido deixou para depois do commit (a fila em modo eager)."""
    return TestCase.captureOnCommitCallbacks(execute=True)


def link_de_recuperacao(client, usuario):
    with depois_do_commit():
        client.post("/recuperar-senha/", {"cpf": usuario.cpf, "email": usuario.email})
    return caminho(link_do_email(ultimo_email("recuperacao_senha"), "/recuperar-senha/"))


def link_de_troca_de_email(cliente_logado, novo="novo@exemplo.com.br"):
    assert trocar_email(cliente_logado, SENHA, novo).status_code == 302
    return caminho(link_do_email(ultimo_email("troca_email_confirmacao"), "/minha-conta/email/"))


def link_invalido(client, link):
    resposta = client.get(link)
    return resposta.status_code == 404 and "Link inválido" in resposta.content.decode()


def redefinir(client, link, senha=NOVA):
    return client.post(link, {"nova_senha": senha, "confirmacao_senha": senha})


def test_trocar_a_senha_invalida_recuperacao_e_troca_de_email_pendentes(
    cliente_logado, usuario, client
):
    recuperacao = link_de_recuperacao(type(client)(), usuario)
    troca = link_de_troca_de_email(cliente_logado)
    assert not link_invalido(client, recuperacao) and not link_invalido(client, troca)
    assert trocar_senha(cliente_logado, SENHA).status_code == 302
    assert link_invalido(client, recuperacao)
    assert redefinir(client, recuperacao, "Terceira#Senha1").status_code == 404
    assert link_invalido(client, troca)
    assert cliente_logado.post(troca).status_code == 404
    usuario.refresh_from_db()
    assert usuario.check_password(NOVA) and usuario.email != "novo@exemplo.com.br"


def test_redefinir_a_senha_invalida_a_troca_de_email_e_outro_link_de_recuperacao(
    cliente_logado, usuario, client
):
    troca = link_de_troca_de_email(cliente_logado)
    primeiro = link_de_recuperacao(client, usuario)
    # um segundo pedido já anula o primeiro; a redefinição anula tudo o que sobrou
    segundo = link_de_recuperacao(client, usuario)
    assert link_invalido(client, primeiro)
    assert redefinir(client, segundo).status_code == 302
    assert link_invalido(client, troca)
    assert not TokenAcesso.objects.filter(usuario=usuario, usado_em=None).exists()


def test_redefinir_a_senha_encerra_as_sessoes_abertas(cliente_logado, usuario, client):
    assert cliente_logado.get("/painel/").status_code == 200
    assert redefinir(client, link_de_recuperacao(client, usuario)).status_code == 302
    assert cliente_logado.get("/painel/")["Location"].startswith("/entrar/")


def test_trocar_a_senha_mantem_esta_sessao_e_encerra_as_outras(cliente_logado, usuario, client):
    outra_sessao = type(client)()
    outra_sessao.force_login(usuario)
    assert outra_sessao.get("/painel/").status_code == 200
    assert trocar_senha(cliente_logado, SENHA).status_code == 302
    assert cliente_logado.get("/painel/").status_code == 200
    assert outra_sessao.get("/painel/")["Location"].startswith("/entrar/")


def test_primeiro_acesso_concluido_invalida_o_link_de_recuperacao(client):
    pendente = UsuarioFactory(pendente=True)
    with depois_do_commit():
        services.reenviar_primeiro_acesso(pendente)
    convite = caminho(link_do_email(ultimo_email("primeiro_acesso"), "/primeiro-acesso/"))
    recuperacao = link_de_recuperacao(client, pendente)
    resposta = client.post(
        convite, {"cpf": pendente.cpf, "nova_senha": NOVA, "confirmacao_senha": NOVA}
    )
    assert resposta.status_code == 302
    assert link_invalido(client, recuperacao)


def test_conta_ativada_pela_recuperacao_invalida_o_convite_de_primeiro_acesso(client):
    pendente = UsuarioFactory(pendente=True)
    with depois_do_commit():
        services.reenviar_primeiro_acesso(pendente)
    convite = caminho(link_do_email(ultimo_email("primeiro_acesso"), "/primeiro-acesso/"))
    assert redefinir(client, link_de_recuperacao(client, pendente)).status_code == 302
    assert link_invalido(client, convite)


def test_criar_a_primeira_senha_invalida_os_links_abertos(client):
    pelo_govbr = UsuarioFactory(pendente=True)
    services.aceitar_termo(pelo_govbr, services.termo_vigente(), pelo_govbr=True)
    pelo_govbr.refresh_from_db()
    assert pelo_govbr.situacao == pelo_govbr.Situacao.ATIVO
    recuperacao = link_de_recuperacao(client, pelo_govbr)
    client.force_login(pelo_govbr)
    resposta = client.post("/minha-conta/senha/", {"nova_senha": NOVA, "confirmacao_senha": NOVA})
    assert resposta.status_code == 302
    pelo_govbr.refresh_from_db()
    assert pelo_govbr.check_password(NOVA)
    assert link_invalido(type(client)(), recuperacao)


def test_confirmar_o_novo_email_invalida_links_mandados_ao_endereco_antigo(
    cliente_logado, usuario, client
):
    recuperacao = link_de_recuperacao(type(client)(), usuario)
    primeira_troca = link_de_troca_de_email(cliente_logado, "primeiro@exemplo.com.br")
    segunda_troca = link_de_troca_de_email(cliente_logado, "segundo@exemplo.com.br")
    assert cliente_logado.post(segunda_troca).status_code == 302
    assert link_invalido(client, recuperacao)
    assert link_invalido(client, primeira_troca)
    usuario.refresh_from_db()
    assert usuario.email == "segundo@exemplo.com.br"


# --- Item 12: /recuperar-senha/ faz o mesmo trabalho com e sem correspondência ---------------
def _forma(sql):
    """O comando sem os valores: a mesma consulta com outro CPF ou outro e-mail fica igual."""
    sem_savepoint = re.sub(r'"s\d+_x\d+"', '"s?"', sql)
    return re.sub(r"'(?:[^']|'')*'|\b\d+(?:\.\d+)?\b", "?", sem_savepoint)


def trabalho_do_pedido(cpf, email):
    """Consultas, funções caras chamadas e tarefas deixadas para depois do commit por um POST."""
    cliente = Client(REMOTE_ADDR="10.9.8.7")
    chamadas = {}
    with ExitStack() as pilha:
        for modulo, nome in ALVOS:
            chamadas[nome] = pilha.enter_context(
                mock.patch.object(modulo, nome, wraps=getattr(modulo, nome))
            )
        consultas = pilha.enter_context(CaptureQueriesContext(connection))
        depois = pilha.enter_context(TestCase.captureOnCommitCallbacks())
        resposta = cliente.post("/recuperar-senha/", {"cpf": cpf, "email": email})
    return {
        "status": resposta.status_code,
        "destino": resposta["Location"],
        "corpo": resposta.content,
        "consultas": [_forma(c["sql"]) for c in consultas.captured_queries],
        "chamadas": {nome: alvo.call_count for nome, alvo in chamadas.items()},
        "depois_do_commit": len(depois),
    }


ALVOS = [
    (emails_lib, "renderizar"),
    (emails_lib, "limite_por_destinatario_atingido"),
    (services, "_emitir_token"),
    (services, "registrar"),
    (services, "enfileirar_email"),
]


def test_recuperacao_faz_o_mesmo_trabalho_com_e_sem_correspondencia():
    dona = UsuarioFactory(email="dona@exemplo.com.br")
    bloqueada = UsuarioFactory(email="bloqueada@exemplo.com.br")
    services.bloquear(bloqueada, motivo="teste")
    casos = {
        "confere": trabalho_do_pedido(dona.cpf, "DONA@exemplo.com.br"),
        "e-mail errado": trabalho_do_pedido(dona.cpf, "outra@exemplo.com.br"),
        "cpf sem conta": trabalho_do_pedido("52998224725", "dona@exemplo.com.br"),
        "conta bloqueada": trabalho_do_pedido(bloqueada.cpf, bloqueada.email),
    }
    referencia = casos["confere"]
    assert referencia["status"] == 302 and referencia["destino"] == "/recuperar-senha/enviado/"
    assert referencia["consultas"] and referencia["depois_do_commit"] == 1
    for nome, caso in casos.items():
        assert caso == referencia, nome
    assert not EmailSaida.objects.filter(evento="recuperacao_senha").exists()


def test_a_fila_confere_o_pedido_envia_so_com_correspondencia_e_apaga_o_pedido(client):
    dona = UsuarioFactory(email="dona@exemplo.com.br")
    with depois_do_commit():
        client.post("/recuperar-senha/", {"cpf": dona.cpf, "email": "outra@exemplo.com.br"})
        client.post("/recuperar-senha/", {"cpf": "52998224725", "email": dona.email})
    assert not EmailSaida.objects.filter(evento="recuperacao_senha").exists()
    with depois_do_commit():
        client.post("/recuperar-senha/", {"cpf": dona.cpf, "email": dona.email})
    assert ultimo_email("recuperacao_senha").destinatario == dona.email
    assert not PedidoRecuperacao.objects.exists()  # CPF e e-mail digitados não ficam guardados


def test_pedido_com_a_fila_fora_do_ar_sai_pela_varredura_uma_vez(client):
    dona = UsuarioFactory()
    fora = mock.patch.object(
        tasks.processar_pedido_recuperacao, "apply_async", side_effect=OSError("Redis fora")
    )
    with fora, depois_do_commit():
        resposta = client.post("/recuperar-senha/", {"cpf": dona.cpf, "email": dona.email})
    assert resposta["Location"] == "/recuperar-senha/enviado/"
    pedido = PedidoRecuperacao.objects.get()
    assert tasks.varrer_pedidos_de_recuperacao() == 0  # ainda novo: a fila pode estar nele
    with time_machine.travel(timezone.now() + timedelta(seconds=31)):
        with depois_do_commit():
            assert tasks.varrer_pedidos_de_recuperacao() == 1
        assert tasks.processar_pedido_recuperacao(pedido.pk) is False  # repetido: nada
    assert EmailSaida.objects.filter(evento="recuperacao_senha", usuario=dona).count() == 1


def test_pedido_esquecido_por_mais_de_uma_hora_e_descartado(client):
    dona = UsuarioFactory()
    fila = mock.patch.object(tasks.processar_pedido_recuperacao, "apply_async")
    with fila, depois_do_commit():
        client.post("/recuperar-senha/", {"cpf": dona.cpf, "email": dona.email})
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        assert tasks.varrer_pedidos_de_recuperacao() == 0
    assert not PedidoRecuperacao.objects.exists()
    assert not EmailSaida.objects.filter(evento="recuperacao_senha").exists()


# --- Item 18: limite de e-mails por destinatário ---------------------------------------------
def inscrever(client, cpf, email):
    dados = {
        "cpf": cpf,
        "nome": "Joana da Silva Teste",
        "email": email,
        "email_confirmacao": email,
        "telefone": "(31) 99876-5432",
    }
    with depois_do_commit():
        return client.post("/inscricao/", dados, follow=True)


def pedir_recuperacao(client, usuario, email=None):
    with depois_do_commit():
        return client.post(
            "/recuperar-senha/", {"cpf": usuario.cpf, "email": email or usuario.email}, follow=True
        )


def enviados(evento, destinatario):
    return EmailSaida.objects.filter(evento=evento, destinatario__iexact=destinatario).count()


def limites_registrados(usuario, evento):
    return RegistroAuditoria.objects.filter(
        acao="email.limite_por_destinatario", usuario_afetado=usuario, depois__evento=evento
    ).count()


def test_tentativas_de_inscricao_com_cpf_existente_param_no_terceiro_aviso_da_hora(client):
    dona = UsuarioFactory(email="dona@exemplo.com.br")
    respostas = [inscrever(client, dona.cpf, "intruso@exemplo.com.br") for _ in range(5)]
    assert len({r.content for r in respostas}) == 1  # a resposta pública não muda
    assert enviados("tentativa_inscricao", "dona@exemplo.com.br") == 3
    assert limites_registrados(dona, "tentativa_inscricao") == 2
    assert RegistroAuditoria.objects.filter(acao="usuario.inscricao_repetida").count() == 5
    with time_machine.travel(timezone.now() + timedelta(minutes=61)):
        inscrever(client, dona.cpf, "intruso@exemplo.com.br")
    assert enviados("tentativa_inscricao", "dona@exemplo.com.br") == 4


def test_recuperacao_para_no_terceiro_link_da_hora_e_o_ultimo_link_enviado_continua_valendo(
    client,
):
    dona = UsuarioFactory(email="dona@exemplo.com.br")
    respostas = [pedir_recuperacao(client, dona, "DONA@Exemplo.com.br") for _ in range(3)]
    terceiro = caminho(link_do_email(ultimo_email("recuperacao_senha"), "/recuperar-senha/"))
    respostas.append(pedir_recuperacao(client, dona))
    assert len({r.content for r in respostas}) == 1
    assert enviados("recuperacao_senha", dona.email) == 3
    assert limites_registrados(dona, "recuperacao_senha") == 1
    # o pedido barrado não gera link novo: o último enviado ainda serve
    assert redefinir(client, terceiro).status_code == 302


def test_inscricoes_com_cpfs_novos_e_o_mesmo_email_param_no_terceiro_convite(client):
    vitima = "vitima@exemplo.com.br"
    cpfs = [cpf_aleatorio() for _ in range(4)]
    respostas = [inscrever(client, cpf, vitima) for cpf in cpfs]
    assert len({r.content for r in respostas}) == 1
    assert enviados("primeiro_acesso", vitima) == 3
    barrada = Usuario.objects.get(cpf=cpfs[-1])
    assert limites_registrados(barrada, "primeiro_acesso") == 1
    assert not TokenAcesso.objects.filter(usuario=barrada).exists()


def test_reenvio_publico_de_primeiro_acesso_respeita_o_limite_e_o_da_administracao_nao(
    analista,
):
    pendente = UsuarioFactory(pendente=True)
    publicos = [services.reenviar_primeiro_acesso(pendente, limitar=True) for _ in range(4)]
    assert publicos == [True, True, True, False]
    assert services.reenviar_primeiro_acesso(pendente, ator=analista) is True
    assert enviados("primeiro_acesso", pendente.email) == 4


def test_limite_conta_no_banco_e_nao_na_memoria_do_processo(client, settings):
    """Outro processo (outro servidor web, o worker) vê os mesmos envios: a conta é feita na
    caixa de saída. Esvaziar o cache não zera o limite."""
    settings.EMAILS_POR_DESTINATARIO_POR_HORA = 1
    dona = UsuarioFactory()
    pedir_recuperacao(client, dona)
    cache.clear()
    pedir_recuperacao(Client(REMOTE_ADDR="10.1.1.1"), dona)
    assert enviados("recuperacao_senha", dona.email) == 1
    settings.EMAILS_POR_DESTINATARIO_POR_HORA = 0  # 0 desliga o limite
    pedir_recuperacao(client, dona)
    assert enviados("recuperacao_senha", dona.email) == 2


def test_limite_e_por_evento_e_por_endereco(client):
    dona = UsuarioFactory(email="dona@exemplo.com.br")
    outra = UsuarioFactory(email="outra@exemplo.com.br")
    for _ in range(3):
        pedir_recuperacao(client, dona)
    inscrever(client, dona.cpf, "intruso@exemplo.com.br")
    pedir_recuperacao(client, outra)
    assert enviados("tentativa_inscricao", dona.email) == 1
    assert enviados("recuperacao_senha", outra.email) == 1


def test_troca_de_email_nao_bombardeia_um_endereco_alheio_com_confirmacoes(cliente_logado):
    """Quem está logado não manda confirmações sem fim a um endereço de outra pessoa."""
    for _ in range(3):  # EMAILS_POR_DESTINATARIO_POR_HORA
        assert trocar_email(cliente_logado, SENHA, "vitima@exemplo.com.br").status_code == 302
    recusada = trocar_email(cliente_logado, SENHA, "VITIMA@exemplo.com.br")

    assert recusada.status_code == 200
    assert "número máximo de links de confirmação" in recusada.content.decode()
    assert (
        EmailSaida.objects.filter(
            evento="troca_email_confirmacao", destinatario__iexact="vitima@exemplo.com.br"
        ).count()
        == 3
    )
