"""Issue #11, item 3: nada de oráculo CPF → nome para quem está logado.

No passo Representante Legal do assistente e na inclusão de Responsável pelas Informações,
digitar um CPF dizia se havia conta ativa e depois mostrava o nome completo. Agora cada
busca conta numa cota diária por conta e fica na auditoria (CPF mascarado), e quem digitou
o CPF vê só "Maria S. O." e o CPF mascarado até a pessoa aceitar (ou assinar).
"""

import re
from datetime import date
from html import unescape

import pytest
from django.test import Client

from cagec.core.models import EmailSaida, RegistroAuditoria
from cagec.lib.documentos import abreviar_nome, mascarar_cpf
from parceiros import selectors, services
from parceiros.models import Solicitacao, Vinculo

from ..conftest import ultimo_email
from ..factories import SENHA, UsuarioFactory

pytestmark = pytest.mark.django_db
S = Solicitacao.Status
MANDATO = {"mandato_inicio": "2025-01-01", "mandato_fim": "2028-12-31", "cargo": "Presidente"}
NOME = "Maria da Silva Oliveira"
PROTEGIDO = "Maria S. O."


def _texto(resposta):
    html = re.sub(r"<(script|style)\b.*?</\1>", " ", resposta.content.decode(), flags=re.S)
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


def _buscas(ator=None):
    qs = RegistroAuditoria.objects.filter(acao="usuario.busca_por_cpf")
    return qs.filter(ator=ator) if ator else qs


@pytest.fixture
def maria(db):
    """A pessoa indicada: conta ativa de outra pessoa."""
    return UsuarioFactory(aceitou_termo=True, nome=NOME)


@pytest.fixture
def inscricao(usuario):
    """Rascunho de inscrição já no passo do representante (tipo escolhido)."""
    from ..factories import CNPJ_LIVRE

    solicitacao = services.iniciar_inscricao(CNPJ_LIVRE, ator=usuario)
    natureza = solicitacao.dados["receita"]["natureza_juridica_codigo"]
    tipo = selectors.tipos_permitidos(
        services.NaturezaJuridica.objects.get(codigo=natureza)
    ).first()
    return services.salvar_dados(
        solicitacao, ator=usuario, tipo=tipo, site="", email_institucional="", telefone=""
    )


def _indicar(client, solicitacao, cpf, *, ip="127.0.0.1", **campos):
    dados = {"quem": "outro", "cpf": cpf, **MANDATO, **campos}
    return client.post(f"/solicitacoes/{solicitacao.pk}/representante/", dados, REMOTE_ADDR=ip)


@pytest.fixture
def indicada(client, usuario, inscricao, maria):
    """Maria indicada pelo CPF, pelo assistente, por ``usuario`` (logado no ``client``)."""
    client.force_login(usuario)
    resposta = _indicar(client, inscricao, maria.cpf_formatado)
    assert resposta.status_code == 302, _texto(resposta)
    inscricao.refresh_from_db()
    assert inscricao.representante_legal == maria
    return inscricao


def _cliente(pessoa):
    cliente = Client()
    cliente.force_login(pessoa)
    return cliente


# --- Nome protegido ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("nome", "esperado"),
    [
        ("Maria da Silva Oliveira", "Maria S. O."),
        ("João dos Santos e Souza", "João S. S."),
        ("ana", "ana"),
        ("  Pedro   álvares  cabral ", "Pedro Á. C."),
        ("", ""),
    ],
)
def test_abreviar_nome_deixa_o_primeiro_nome_e_as_iniciais(nome, esperado):
    assert abreviar_nome(nome) == esperado


def test_quem_indicou_ve_so_o_nome_abreviado_e_o_cpf_mascarado_em_todo_lugar(
    client, indicada, maria
):
    mascarado = mascarar_cpf(maria.cpf)
    paginas = {
        "mensagem do passo": client.get(f"/solicitacoes/{indicada.pk}/documentos/"),
        "passo representante": client.get(f"/solicitacoes/{indicada.pk}/representante/"),
        "revisão": client.get(f"/solicitacoes/{indicada.pk}/revisao/"),
        "detalhe": client.get(f"/solicitacoes/{indicada.pk}/"),
    }
    for onde, resposta in paginas.items():
        html = resposta.content.decode()
        assert resposta.status_code == 200, onde
        assert maria.nome not in html and "Silva Oliveira" not in html, onde
        assert maria.cpf not in html and maria.cpf_formatado not in html, onde
    assert f"{PROTEGIDO} (CPF {mascarado})" in _texto(paginas["mensagem do passo"])
    assert f"{PROTEGIDO} (CPF {mascarado})" in _texto(paginas["revisão"])
    assert f"{PROTEGIDO} (CPF {mascarado})" in _texto(paginas["detalhe"])
    assert f'value="{mascarado}"' in paginas["passo representante"].content.decode()


def test_manter_a_pessoa_ja_indicada_pelo_cpf_mascarado_nao_faz_nova_busca(client, indicada, maria):
    antes = _buscas().count()
    resposta = _indicar(client, indicada, mascarar_cpf(maria.cpf), cargo="Presidenta")
    assert resposta.status_code == 302
    indicada.refresh_from_db()
    assert indicada.representante_legal == maria
    assert indicada.dados["representante"]["cargo"] == "Presidenta"
    assert _buscas().count() == antes


def test_cada_busca_fica_na_auditoria_com_o_cpf_mascarado_achando_ou_nao(
    client, usuario, inscricao, maria
):
    client.force_login(usuario)
    desconhecido = "529.982.247-25"
    resposta = _indicar(client, inscricao, desconhecido, ip="10.1.2.3")
    assert "Não há conta ativa com este CPF." in _texto(resposta)
    _indicar(client, inscricao, maria.cpf)
    nao_achou, achou = _buscas(usuario).order_by("pk")
    assert (
        nao_achou.descricao == f"Indicação de representante legal: CPF {mascarar_cpf(desconhecido)}"
    )
    assert nao_achou.depois == {"encontrada": False} and nao_achou.ip == "10.1.2.3"
    assert nao_achou.usuario_afetado is None
    assert achou.depois == {"encontrada": True} and achou.usuario_afetado == maria
    assert maria.cpf not in achou.descricao and "52998224725" not in nao_achou.descricao


def test_cota_diaria_de_buscas_vale_para_o_assistente_e_para_os_responsaveis(
    client, rl, parceiro, inscricao, usuario, maria, settings
):
    settings.BUSCA_PESSOA_LIMITE_DIARIO = 2
    client.force_login(usuario)
    _indicar(client, inscricao, "529.982.247-25")
    _indicar(client, inscricao, "111.444.777-35")
    esgotada = _indicar(client, inscricao, maria.cpf_formatado, cargo="Diretora")
    assert esgotada.status_code == 200
    texto = _texto(esgotada)
    assert "Você já fez as 2 buscas de pessoas por CPF permitidas por dia." in texto
    assert 'value="Diretora"' in esgotada.content.decode()  # nada se perde
    inscricao.refresh_from_db()
    assert inscricao.representante_legal is None
    assert _buscas(usuario).count() == 2  # a recusa não conta nem revela nada
    assert maria.nome not in esgotada.content.decode()

    # O RL de outra organização tem a sua própria cota, contada também na inclusão de RI.
    client.force_login(rl)
    url = f"/parceiros/{parceiro.cnpj}/responsaveis/"
    client.post(url, {"cpf": "529.982.247-25"})
    client.post(url, {"cpf": "111.444.777-35"})
    resposta = client.post(url, {"cpf": maria.cpf})
    assert "Você já fez as 2 buscas de pessoas por CPF permitidas por dia." in _texto(resposta)
    assert not Vinculo.objects.filter(usuario=maria).exists()


# --- Aceite e recusa pelo RL indicado ------------------------------------------------------------
def test_rl_indicado_ve_a_indicacao_e_aceita_e_so_entao_o_nome_aparece(client, indicada, maria):
    pagina = _cliente(maria).get("/assinaturas/")
    assert "Indicações como representante legal" in _texto(pagina)
    assert f"/solicitacoes/{indicada.pk}/indicacao/aceitar/" in pagina.content.decode()
    assert "1 indicação espera a sua resposta" in _texto(_cliente(maria).get("/painel/"))

    resposta = _cliente(maria).post(f"/solicitacoes/{indicada.pk}/indicacao/aceitar/")
    assert resposta["Location"] == f"/solicitacoes/{indicada.pk}/"
    indicada.refresh_from_db()
    assert indicada.representante_aceite_em is not None
    assert RegistroAuditoria.objects.filter(
        acao="solicitacao.indicacao_aceita", ator=maria
    ).exists()
    assert NOME in _texto(client.get(f"/solicitacoes/{indicada.pk}/"))
    assert "Indicações como representante legal" not in _texto(_cliente(maria).get("/assinaturas/"))


def test_assinar_a_declaracao_tambem_aceita_a_indicacao(client, usuario, indicada, maria):
    services.enviar_para_assinatura(indicada, ator=usuario)
    assert ultimo_email("assinatura_pendente", maria.email) is not None
    assert NOME not in _texto(client.get(f"/solicitacoes/{indicada.pk}/"))
    resposta = _cliente(maria).post(
        f"/solicitacoes/{indicada.pk}/assinar/", {"cpf": maria.cpf, "senha": SENHA}
    )
    assert resposta.status_code == 302
    indicada.refresh_from_db()
    assert indicada.representante_aceite_em is not None
    assert NOME in _texto(client.get(f"/solicitacoes/{indicada.pk}/"))


def test_rl_indicado_recusa_a_solicitacao_volta_ao_rascunho_e_quem_indicou_nao_ve_o_nome(
    client, usuario, indicada, maria
):
    services.enviar_para_assinatura(indicada, ator=usuario)
    resposta = _cliente(maria).post(f"/solicitacoes/{indicada.pk}/indicacao/recusar/")
    assert resposta["Location"] == "/assinaturas/"
    indicada.refresh_from_db()
    assert indicada.status == S.RASCUNHO
    assert indicada.representante_legal is None and indicada.passo == "representante"
    assert RegistroAuditoria.objects.filter(
        acao="solicitacao.indicacao_recusada", ator=maria
    ).exists()
    email = ultimo_email("indicacao_recusada", usuario.email)
    assert f"{PROTEGIDO} (CPF {mascarar_cpf(maria.cpf)})" in email.corpo_texto
    assert f"/solicitacoes/{indicada.pk}/representante/" in email.corpo_texto
    # Nada do que quem indicou recebeu ou vê traz o nome completo ou o CPF inteiro.
    for mensagem in EmailSaida.objects.filter(destinatario=usuario.email):
        for parte in (mensagem.assunto, mensagem.corpo_texto, mensagem.corpo_html):
            assert maria.nome not in parte and maria.cpf not in parte
    detalhe = client.get(f"/solicitacoes/{indicada.pk}/")
    assert maria.nome not in detalhe.content.decode()
    assert PROTEGIDO in _texto(detalhe)  # na linha do tempo, quem recusou
    # A pessoa que recusou não vê mais a solicitação.
    assert _cliente(maria).get(f"/solicitacoes/{indicada.pk}/").status_code == 404


def test_depois_de_aceitar_nao_da_mais_para_recusar(indicada, maria):
    services.aceitar_indicacao(indicada, ator=maria)
    resposta = _cliente(maria).post(f"/solicitacoes/{indicada.pk}/indicacao/recusar/", follow=True)
    assert "Você já aceitou esta indicação." in _texto(resposta)
    indicada.refresh_from_db()
    assert indicada.representante_legal == maria


def test_so_a_pessoa_indicada_aceita_ou_recusa(client, usuario, indicada, outro_usuario):
    for pessoa in (usuario, outro_usuario):
        for resposta in ("aceitar", "recusar"):
            cliente = _cliente(pessoa)
            assert (
                cliente.post(f"/solicitacoes/{indicada.pk}/indicacao/{resposta}/").status_code
                == 404
            )
    indicada.refresh_from_db()
    assert indicada.representante_aceite_em is None and indicada.representante_legal_id


def test_indicar_a_si_mesmo_ou_o_rl_atual_nao_precisa_de_aceite(usuario, inscricao, rl, parceiro):
    solicitacao = services.salvar_representante(
        inscricao,
        ator=usuario,
        representante=usuario,
        cargo="Presidente",
        mandato_inicio=date(2025, 1, 1),
        mandato_fim=date(2028, 12, 31),
    )
    assert not solicitacao.aguarda_aceite_do_rl
    atualizacao = services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=rl)
    assert not atualizacao.aguarda_aceite_do_rl


# --- Responsáveis pelas Informações --------------------------------------------------------------
def test_ri_incluido_aparece_protegido_ate_confirmar(client, rl, parceiro, ri, maria):
    client.force_login(rl)
    url = f"/parceiros/{parceiro.cnpj}/responsaveis/"
    resposta = client.post(url, {"cpf": maria.cpf_formatado, "cargo": "Contadora"})
    assert resposta["Location"] == url
    protegido = f"{PROTEGIDO} (CPF {mascarar_cpf(maria.cpf)})"
    for cliente in (client, _cliente(ri)):  # o RL e os outros RIs
        for pagina in (url, f"/parceiros/{parceiro.cnpj}/"):
            resposta = cliente.get(pagina)
            if resposta.status_code == 404:  # RI não gere responsáveis
                continue
            assert maria.nome not in resposta.content.decode(), pagina
            assert protegido in _texto(resposta), pagina
    assert _buscas(rl).count() == 1

    pendencias = _cliente(maria).get("/assinaturas/")
    assert "Inclusões como responsável pelas informações" in _texto(pendencias)
    vinculo = Vinculo.objects.get(usuario=maria, parceiro=parceiro, ativo=True)
    confirmou = _cliente(maria).post(f"/vinculos/{vinculo.pk}/confirmar/")
    assert confirmou["Location"] == f"/parceiros/{parceiro.cnpj}/"
    assert RegistroAuditoria.objects.filter(acao="vinculo.ri_confirmado", ator=maria).exists()
    assert NOME in _texto(client.get(url))
    assert NOME in _texto(_cliente(ri).get(f"/parceiros/{parceiro.cnpj}/"))


def test_ri_recusa_a_inclusao_e_o_rl_e_avisado_sem_o_nome(client, rl, parceiro, maria):
    vinculo = services.incluir_responsavel(parceiro, maria, ator=rl, cargo="Contadora")
    resposta = _cliente(maria).post(f"/vinculos/{vinculo.pk}/recusar/")
    assert resposta["Location"] == "/assinaturas/"
    vinculo.refresh_from_db()
    assert not vinculo.ativo and vinculo.encerrado_por == maria
    assert RegistroAuditoria.objects.filter(acao="vinculo.ri_recusado", ator=maria).exists()
    email = ultimo_email("responsavel_recusou", rl.email)
    assert f"{PROTEGIDO} (CPF {mascarar_cpf(maria.cpf)})" in email.corpo_texto
    assert maria.nome not in email.corpo_texto + email.corpo_html + email.assunto
    assert _cliente(maria).get(f"/parceiros/{parceiro.cnpj}/").status_code == 404


def test_so_o_proprio_ri_confirma_ou_recusa(rl, parceiro, maria, outro_usuario):
    vinculo = services.incluir_responsavel(parceiro, maria, ator=rl)
    for pessoa in (rl, outro_usuario):
        for resposta in ("confirmar", "recusar"):
            assert _cliente(pessoa).post(f"/vinculos/{vinculo.pk}/{resposta}/").status_code == 404
    vinculo.refresh_from_db()
    assert vinculo.ativo and vinculo.aceito_em is None
