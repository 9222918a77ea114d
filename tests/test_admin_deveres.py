"""Admin (issue #11, item 9): toda página de todo modelo registrado abre sem erro 500.

Um objeto de cada modelo registrado é construído pelos serviços (arquivos de verdade nos
campos de arquivo) e a lista, a inclusão e a alteração de cada um são abertas pela
superusuária e por uma analista (equipe no grupo Analista): o que a pessoa pode ver dá 200,
o que não pode dá 403 — nunca 500. Os campos do Estado (MROSC, CADIN-MG, SIAFI-MG,
impedimento) são gravados de verdade pela página do Parceiro.
"""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib import admin
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts import convites
from accounts.models import Usuario
from api import services as api_services
from api.models import UsoDiarioChaveApi
from cagec.core.models import RegistroAuditoria
from declaracoes import crc
from parceiros import analise
from parceiros.importacao import services as importacao
from parceiros.models import AvisoVencimento, Documento, Genero, Parceiro, Solicitacao, TipoParceiro
from tests.factories import CNPJ_ASSOCIACAO, UsuarioFactory, parceiro_com_rl
from tests.parceiros.test_analise import inscricao

MODELOS = sorted(m._meta.label for m in admin.site._registry)
PAGINAS = ["changelist", "add", "change"]
# O que o grupo Analista vê (migração parceiros 0006): a página de alteração abre com 200.
VISTOS_PELA_ANALISTA = {
    "accounts.Usuario",
    "declaracoes.Declaracao",
    "parceiros.Documento",
    "parceiros.MotivoPadrao",
    "parceiros.Parceiro",
    "parceiros.Solicitacao",
    "parceiros.Vinculo",
}

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("media_temporaria")]


@pytest.fixture(autouse=True)
def _pdf_rapido(monkeypatch):
    """Declaração e CRC geram PDF; aqui basta um arquivo PDF de verdade, pequeno."""
    from cagec.lib import pdf

    monkeypatch.setattr(pdf, "renderizar_pdf", lambda *a, **k: b"%PDF-1.7\n% teste\n")


@pytest.fixture
def superusuaria(db):
    pessoa = UsuarioFactory(aceitou_termo=True, is_staff=True, nome="Sônia Super")
    Usuario.objects.filter(pk=pessoa.pk).update(is_superuser=True)
    return Usuario.objects.get(pk=pessoa.pk)


@pytest.fixture
def analista_do_grupo(db):
    pessoa = UsuarioFactory(aceitou_termo=True, is_staff=True, nome="Ana Analista")
    pessoa.groups.add(Group.objects.get(name="Analista"))
    return Usuario.objects.get(pk=pessoa.pk)


@pytest.fixture
def um_de_cada(superusuaria):
    """Ao menos um objeto de cada modelo registrado no admin, pelos caminhos reais."""
    requerente = UsuarioFactory(aceitou_termo=True, nome="Rui Requerente")
    solicitacao = inscricao(requerente)  # documentos, declaração assinada (PDF), transições
    analise.decidir(solicitacao, ator=superusuaria, decisao=Solicitacao.Status.APROVADA)
    parceiro = Parceiro.objects.get(cnpj=solicitacao.cnpj)  # vínculo, histórico, auditoria
    crc.emitir(parceiro)  # certificado com PDF
    # Chave de API com uso e webhook; a mudança de situação logo abaixo gera a entrega.
    chave, _ = api_services.criar_chave(nome="SIGCON-MG", contato_email="sigcon@mg.gov.br")
    UsoDiarioChaveApi.objects.create(chave=chave, dia=timezone.localdate(), chamadas=1)
    api_services.cadastrar_webhook(chave, "http://127.0.0.1:9/ganchos")
    # Tipo sem obrigações (catálogo do admin): nasce Regular, e a mudança fica no histórico.
    sem_exigencias = TipoParceiro.objects.create(
        nome="Consórcio de teste", genero=Genero.objects.first()
    )
    parceiro_com_rl(cnpj=CNPJ_ASSOCIACAO, tipo=sem_exigencias, cargo="Presidente")
    documento = Documento.objects.filter(parceiro=parceiro).first()
    AvisoVencimento.objects.create(  # registro do envio do aviso (só leitura no admin)
        documento=documento, dias=30, vence_em=timezone.localdate() + timedelta(days=30)
    )
    arquivo = SimpleUploadedFile("pessoas.csv", b"cpf;nome\n", content_type="text/csv")
    importacao.criar_importacao(
        arquivo,
        organizacoes=SimpleUploadedFile("orgs.csv", b"cnpj;razao_social\n"),
        ator=superusuaria,
        agendar=False,
    )
    convites.registrar_pedidos([requerente.pk])  # pedido de convite (só leitura no admin)
    agora = timezone.now()
    comum = {"ip_address": "200.10.20.30", "user_agent": "Navegador X", "username": "123"}
    AccessAttempt.objects.create(failures_since_start=1, attempt_time=agora, **comum)
    AccessLog.objects.create(attempt_time=agora, **comum)
    AccessFailureLog.objects.create(attempt_time=agora, locked_out=False, **comum)
    faltando = [m._meta.label for m in admin.site._registry if not m._default_manager.exists()]
    assert not faltando, f"Sem objeto para abrir a página de alteração: {faltando}"


def _url(modelo, pagina):
    model = next(m for m in admin.site._registry if m._meta.label == modelo)
    nome = f"admin:{model._meta.app_label}_{model._meta.model_name}_{pagina}"
    if pagina == "change":
        return reverse(nome, args=[model._default_manager.order_by("pk").first().pk])
    return reverse(nome)


def _esperado(modelo, pagina, pessoa, rf):
    """200 se o ModelAdmin deixa a pessoa ver (ou incluir), 403 se não."""
    model = next(m for m in admin.site._registry if m._meta.label == modelo)
    modelo_admin = admin.site._registry[model]
    request = rf.get("/")
    request.user = pessoa
    if pagina == "add":
        pode = modelo_admin.has_add_permission(request)
    else:
        obj = model._default_manager.order_by("pk").first() if pagina == "change" else None
        pode = modelo_admin.has_view_or_change_permission(request, obj)
    return 200 if pode else 403


@pytest.mark.parametrize("modelo", MODELOS)
@pytest.mark.parametrize("persona", ["superusuaria", "analista_do_grupo"])
def test_lista_inclusao_e_alteracao_de_cada_modelo_abrem_para_a_equipe_sem_erro(
    um_de_cada, request, rf, persona, modelo
):
    pessoa = request.getfixturevalue(persona)
    cliente = Client(raise_request_exception=False)
    cliente.force_login(pessoa)
    obtido = {p: cliente.get(_url(modelo, p)).status_code for p in PAGINAS}
    assert obtido == {p: _esperado(modelo, p, pessoa, rf) for p in PAGINAS}
    if persona == "superusuaria" or modelo in VISTOS_PELA_ANALISTA:
        assert obtido["changelist"] == obtido["change"] == 200


@pytest.mark.parametrize("modelo", ["parceiros.Parceiro", "parceiros.Solicitacao"])
def test_pessoa_fora_da_equipe_vai_para_o_login_do_admin(um_de_cada, modelo):
    cliente = Client(raise_request_exception=False)
    cliente.force_login(UsuarioFactory(aceitou_termo=True))
    resposta = cliente.get(_url(modelo, "change"))
    assert resposta.status_code == 302 and "/admin/login/" in resposta["Location"]


def _dados_do_formulario(resposta):
    """O POST que o navegador mandaria sem mudar nada (formulário e inlines)."""
    dados = {}
    form = resposta.context["adminform"].form
    for nome, campo in form.fields.items():
        valor = form.initial.get(nome, campo.initial)
        if valor is None or valor is False:
            continue
        dados[nome] = valor.pk if hasattr(valor, "pk") else valor
    for inline in resposta.context["inline_admin_formsets"]:
        gestao = inline.formset.management_form
        for nome in gestao.fields:
            dados[gestao.add_prefix(nome)] = gestao[nome].value()
        for i, subform in enumerate(inline.formset.forms):
            dados[f"{inline.formset.prefix}-{i}-id"] = subform.instance.pk
    return dados


@pytest.mark.parametrize("persona", ["superusuaria", "analista_do_grupo"])
def test_campos_do_estado_sao_gravados_pela_pagina_do_parceiro(um_de_cada, request, persona):
    pessoa = request.getfixturevalue(persona)
    parceiro = Parceiro.objects.order_by("pk").first()
    cliente = Client()
    cliente.force_login(pessoa)
    url = reverse("admin:parceiros_parceiro_change", args=[parceiro.pk])
    dados = _dados_do_formulario(cliente.get(url))
    dados.update(
        situacao_mrosc="Apta",
        cadin_bloqueado="on",
        siafi_bloqueado="on",
        motivo_impedimento="Inscrita no CADIN-MG em 01/12/2026",
    )

    resposta = cliente.post(url, dados)

    assert resposta.status_code == 302, resposta.context["adminform"].form.errors
    parceiro.refresh_from_db()
    assert parceiro.cadin_bloqueado and parceiro.siafi_bloqueado
    assert parceiro.situacao_mrosc == "Apta"
    assert parceiro.motivo_impedimento == "Inscrita no CADIN-MG em 01/12/2026"
    registro = RegistroAuditoria.objects.get(
        acao="parceiro.alterado_pela_administracao", ator=pessoa
    )
    assert registro.depois["cadin_bloqueado"] == "True"


def test_arquivo_aparece_na_pagina_sem_link_direto_para_a_midia(um_de_cada, superusuaria):
    """MEDIA_URL é None (arquivos só saem por views que checam permissão): nada de link."""
    cliente = Client()
    cliente.force_login(superusuaria)
    documento = Documento.objects.exclude(arquivo="").first()
    resposta = cliente.get(reverse("admin:parceiros_documento_change", args=[documento.pk]))
    assert resposta.status_code == 200
    link = reverse("parceiros:documento_download", args=[documento.pk])
    nome = documento.arquivo.name.rsplit("/", 1)[-1]
    assert f'<a href="{link}">{nome}</a>' in resposta.content.decode()
