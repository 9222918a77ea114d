"""Situação Regular/Irregular (produto.md §4): regras de validade e seus limites, o cálculo em
Python (um Parceiro) e em SQL por conjunto (todos), o recálculo noturno com histórico e e-mail,
os avisos de vencimento (30/15/7/1 dias) e o comando ``recalcular_situacao``.

O relógio fica parado em 10/03/2026, 10h de Brasília (``relogio``).
"""

import itertools
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import TermoUso
from cagec.core.models import EmailSaida
from cagec.lib.documentos import calcular_dv_cnpj
from declaracoes import services as declaracoes
from parceiros import analise, avisos, receita, services, situacao, tasks
from parceiros.models import (
    AvisoVencimento,
    Documento,
    Genero,
    GrupoObrigacao,
    HistoricoSituacao,
    Obrigacao,
    Parceiro,
    Solicitacao,
    TipoParceiro,
    Vinculo,
)
from tests.conftest import caminho, link_do_email
from tests.factories import CNPJ_MUNICIPIO, UsuarioFactory, pdf_pequeno

pytestmark = pytest.mark.django_db

R = Obrigacao.Regra
ST = situacao.StatusObrigacao
REGULAR = Parceiro.Situacao.REGULAR
IRREGULAR = Parceiro.Situacao.IRREGULAR
DOC = Documento.Status

BRASILIA = ZoneInfo("America/Sao_Paulo")
AGORA = datetime(2026, 3, 10, 10, 0, tzinfo=BRASILIA)
HOJE = date(2026, 3, 10)
ONTEM = HOJE - timedelta(days=1)
LONGE = HOJE + timedelta(days=400)
FIM_DO_MANDATO = date(2028, 12, 31)


def dias(n):
    return HOJE + timedelta(days=n)


@pytest.fixture(autouse=True)
def relogio(db):
    """Relógio parado em ``AGORA``. O termo de uso v1 é publicado quando o banco de testes é
    criado (hoje, de verdade); recuado para antes de ``AGORA``, as pessoas podem aceitá-lo."""
    TermoUso.objects.filter(publicado_em__gt=AGORA).update(publicado_em=AGORA - timedelta(days=365))
    with time_machine.travel(AGORA, tick=False) as viagem:
        yield viagem


@pytest.fixture(autouse=True)
def _pdf_rapido(monkeypatch):
    """A assinatura gera um PDF; aqui ele não importa (o PDF é testado em declaracoes)."""
    from cagec.lib import pdf

    monkeypatch.setattr(pdf, "renderizar_pdf", lambda *a, **k: b"%PDF-1.7\n% teste\n")


# --- Construção ---------------------------------------------------------------------------------
_numeros = itertools.count(1)


@dataclass
class Catalogo:
    tipo: TipoParceiro
    obrigacoes: dict

    def __getitem__(self, chave):
        return self.obrigacoes[chave]

    @property
    def obrigatorias(self):
        return [o for o in self.obrigacoes.values() if o.obrigatoria]


def novo_catalogo():
    """Um Tipo só deste teste: uma obrigatória de cada regra e um item MROSC não obrigatório."""
    n = next(_numeros)
    tipo = TipoParceiro.objects.create(
        nome=f"Tipo dos testes de situação {n}", genero=Genero.objects.first()
    )
    grupo = GrupoObrigacao.objects.first()

    def obrigacao(nome, regra, dias=None, obrigatoria=True, mrosc=False):
        o = Obrigacao.objects.create(
            grupo=grupo,
            nome=f"{nome} ({n})",
            regra_validade=regra,
            dias=dias,
            obrigatoria=obrigatoria,
            mrosc=mrosc,
        )
        o.tipos.add(tipo)
        return o

    return Catalogo(
        tipo,
        {
            "data_informada": obrigacao("Certidão negativa", R.DATA_INFORMADA),
            "dias_apos_emissao": obrigacao("Comprovante de endereço", R.DIAS_APOS_EMISSAO, 90),
            "fim_mandato": obrigacao("Ata de posse", R.FIM_MANDATO),
            "sem_validade": obrigacao("Estatuto social", R.SEM_VALIDADE),
            "mrosc": obrigacao(
                "Relevância pública (MROSC)", R.DATA_INFORMADA, obrigatoria=False, mrosc=True
            ),
        },
    )


def novo_parceiro(tipo, rl=None, *, mandato_fim=FIM_DO_MANDATO):
    """Parceiro cadastrado pelo serviço (CNPJ próprio), com ``rl`` como RL ativo se dado."""
    n = next(_numeros)
    base = f"55{n:010d}"
    registro = replace(
        receita.consultar_cnpj(CNPJ_MUNICIPIO),
        cnpj=base + calcular_dv_cnpj(base),
        razao_social=f"ORGANIZACAO DE TESTE {n}",
    )
    parceiro = services.cadastrar_parceiro(registro, tipo)
    if rl is not None:
        services.vincular_rl(
            parceiro,
            rl,
            cargo="Presidente",
            mandato_inicio=min(date(2025, 1, 1), mandato_fim),
            mandato_fim=mandato_fim,
        )
    return parceiro


def documento(parceiro, obrigacao, autor, *, status=DOC.APROVADO, **datas):
    """Documento na pasta, gravado direto no status dado.

    Atalho deliberado: a tabela monta dezenas de pastas e o caminho completo (solicitação,
    assinatura, ``analise.decidir``) custaria segundos por caso. O vencimento vem da mesma
    função do serviço (``Documento.vencimento``), e o caminho honesto é coberto em
    ``test_documentos_aprovados_pela_analise_...`` abaixo e em test_analise.py.
    """
    # fim_mandato: o documento pertence ao mandato do RL ativo quando é aprovado.
    mandato = None
    if obrigacao.regra_validade == Obrigacao.Regra.FIM_MANDATO:
        mandato = parceiro.vinculos.filter(papel=Vinculo.Papel.RL, ativo=True).first()
    return Documento.objects.create(
        obrigacao=obrigacao,
        parceiro=parceiro,
        vinculo=mandato,
        arquivo="documentos/teste.pdf",
        nome_original="teste.pdf",
        content_type="application/pdf",
        tamanho=100,
        sha256="0" * 64,
        regra_validade=obrigacao.regra_validade,
        vence_em=Documento.vencimento(obrigacao, **datas),
        status=status,
        parecer=Documento.Parecer.APROVAR if status == DOC.APROVADO else "",
        analisado_em=timezone.now() if status != DOC.EM_ANALISE else None,
        enviado_por=autor,
        **datas,
    )


DATAS_VIGENTES = {
    "data_informada": {"data_validade": LONGE},
    "dias_apos_emissao": {"data_emissao": HOJE - timedelta(days=10)},
    "sem_validade": {"data_emissao": date(2010, 5, 1)},
    "mrosc": {"data_validade": LONGE},
}


def pasta_vigente(parceiro, catalogo, autor, *, exceto=(), validade=LONGE):
    """Um documento aprovado e vigente para cada obrigação do Tipo, menos as de ``exceto``."""
    for chave, obrigacao in catalogo.obrigacoes.items():
        if chave in exceto:
            continue
        datas = dict(DATAS_VIGENTES.get(chave, {}))
        if "data_validade" in datas:
            datas["data_validade"] = validade
        documento(parceiro, obrigacao, autor, **datas)


def regular_pelo_sql(parceiro, dia=None):
    return situacao._regulares_sql(dia or situacao.hoje()).filter(pk=parceiro.pk).exists()


def recarregar(objeto):
    return type(objeto).objects.get(pk=objeto.pk)


def emails(evento):
    return list(EmailSaida.objects.filter(evento=evento).order_by("pk"))


# --- A tabela das regras -----------------------------------------------------------------------
def aprovado(**datas):
    return lambda parceiro, obrigacao, autor: documento(parceiro, obrigacao, autor, **datas)


def so_no_status(status):
    return lambda p, o, autor: documento(p, o, autor, status=status, data_validade=LONGE)


def nada(parceiro, obrigacao, autor):
    pass


def aprovado_e_depois_reprovado(parceiro, obrigacao, autor):
    documento(parceiro, obrigacao, autor, data_validade=LONGE)
    documento(parceiro, obrigacao, autor, status=DOC.REPROVADO, data_validade=LONGE)


def aprovado_vencido_e_novo_em_analise(parceiro, obrigacao, autor):
    documento(parceiro, obrigacao, autor, data_validade=ONTEM)
    documento(parceiro, obrigacao, autor, status=DOC.EM_ANALISE, data_validade=LONGE)


QUALQUER = object()


@dataclass
class Caso:
    id: str
    chave: str  # a obrigação em teste; as outras têm documento vigente
    montar: Callable
    status: str | None  # status esperado do item (None: o item não aparece)
    situacao: str
    vence_em: object = QUALQUER
    mandato_fim: date | None = FIM_DO_MANDATO  # None: sem RL ativo
    desativar: bool = False


# fmt: off
CASOS = [
    Caso("data_informada_vence_hoje", "data_informada", aprovado(data_validade=HOJE),
         ST.VIGENTE, REGULAR, vence_em=HOJE),
    Caso("data_informada_venceu_ontem", "data_informada", aprovado(data_validade=ONTEM),
         ST.VENCIDO, IRREGULAR, vence_em=ONTEM),
    Caso("dias_emitido_ha_exatamente_90_dias", "dias_apos_emissao",
         aprovado(data_emissao=dias(-90)), ST.VIGENTE, REGULAR, vence_em=HOJE),
    Caso("dias_emitido_ha_91_dias", "dias_apos_emissao", aprovado(data_emissao=dias(-91)),
         ST.VENCIDO, IRREGULAR, vence_em=ONTEM),
    Caso("fim_mandato_termina_hoje", "fim_mandato", aprovado(),
         ST.VIGENTE, REGULAR, vence_em=HOJE, mandato_fim=HOJE),
    Caso("fim_mandato_terminou_ontem", "fim_mandato", aprovado(),
         ST.VENCIDO, IRREGULAR, vence_em=ONTEM, mandato_fim=ONTEM),
    Caso("fim_mandato_sem_rl_ativo", "fim_mandato", aprovado(),
         ST.VENCIDO, IRREGULAR, vence_em=None, mandato_fim=None),
    Caso("fim_mandato_vigente_segue_o_mandato", "fim_mandato", aprovado(),
         ST.VIGENTE, REGULAR, vence_em=FIM_DO_MANDATO),
    Caso("sem_validade_emitido_ha_anos_nunca_vence", "sem_validade",
         aprovado(data_emissao=date(2001, 1, 1)), ST.VIGENTE, REGULAR, vence_em=None),
    Caso("data_informada_sem_documento", "data_informada", nada,
         ST.PENDENTE, IRREGULAR, vence_em=None),
    Caso("sem_validade_sem_documento", "sem_validade", nada, ST.PENDENTE, IRREGULAR),
    Caso("fim_mandato_sem_documento", "fim_mandato", nada, ST.PENDENTE, IRREGULAR),
    Caso("so_documento_reprovado", "data_informada", so_no_status(DOC.REPROVADO),
         ST.PENDENTE, IRREGULAR),
    Caso("so_documento_substituido", "data_informada", so_no_status(DOC.SUBSTITUIDO),
         ST.PENDENTE, IRREGULAR),
    Caso("so_documento_em_analise", "data_informada", so_no_status(DOC.EM_ANALISE),
         ST.PENDENTE, IRREGULAR),
    Caso("reprovado_novo_nao_derruba_o_aprovado_vigente", "data_informada",
         aprovado_e_depois_reprovado, ST.VIGENTE, REGULAR, vence_em=LONGE),
    Caso("novo_em_analise_nao_salva_o_aprovado_vencido", "data_informada",
         aprovado_vencido_e_novo_em_analise, ST.VENCIDO, IRREGULAR, vence_em=ONTEM),
    Caso("mrosc_vencido_nao_torna_irregular", "mrosc", aprovado(data_validade=ONTEM),
         ST.VENCIDO, REGULAR),
    Caso("mrosc_pendente_nao_torna_irregular", "mrosc", nada, ST.PENDENTE, REGULAR),
    Caso("obrigatoria_desativada_sai_da_regra", "data_informada", nada,
         None, REGULAR, desativar=True),
    Caso("obrigatoria_desativada_com_documento_vencido_sai_da_regra", "data_informada",
         aprovado(data_validade=ONTEM), None, REGULAR, desativar=True),
]
# fmt: on


def montar(caso, rl):
    catalogo = novo_catalogo()
    parceiro = novo_parceiro(
        catalogo.tipo, rl if caso.mandato_fim else None, mandato_fim=caso.mandato_fim or HOJE
    )
    pasta_vigente(parceiro, catalogo, rl, exceto={caso.chave})
    caso.montar(parceiro, catalogo[caso.chave], rl)
    if caso.desativar:
        Obrigacao.objects.filter(pk=catalogo[caso.chave].pk).update(ativa=False)
    return parceiro, catalogo


@pytest.mark.parametrize("caso", CASOS, ids=lambda c: c.id)
def test_regra_de_validade_define_o_status_do_item_e_a_situacao(caso, rl):
    parceiro, catalogo = montar(caso, rl)

    nova, itens = situacao.calcular(parceiro)

    por_obrigacao = {i.obrigacao.pk: i for i in itens}
    item = por_obrigacao.pop(catalogo[caso.chave].pk, None)
    if caso.status is None:
        assert item is None
    else:
        assert item.status == caso.status
        if caso.vence_em is not QUALQUER:
            assert item.vence_em == caso.vence_em
    # as demais obrigações estão vigentes: só o item em teste decide
    assert {i.status for i in por_obrigacao.values()} == {ST.VIGENTE}
    assert nova == caso.situacao
    assert regular_pelo_sql(parceiro) is (caso.situacao == REGULAR)


def test_sql_por_conjunto_concorda_com_o_python_em_todos_os_casos_e_dias(rl):
    """Todos os casos no mesmo banco: o SQL correlacionado não mistura Parceiros nem Tipos."""
    montados = [(caso, montar(caso, rl)[0]) for caso in CASOS]

    for caso, parceiro in montados:
        assert regular_pelo_sql(parceiro) is (caso.situacao == REGULAR), caso.id
    for dia in [dias(-1), HOJE, dias(1), dias(400), dias(401)]:
        pelo_sql = set(situacao._regulares_sql(dia).values_list("pk", flat=True))
        pelo_python = {p.pk for _, p in montados if situacao.calcular(p, dia)[0] == REGULAR}
        assert pelo_sql & {p.pk for _, p in montados} == pelo_python, dia

    situacao.recalcular_todos()
    for caso, parceiro in montados:
        assert recarregar(parceiro).situacao == caso.situacao, caso.id


def test_documento_de_um_parceiro_nao_vale_para_outro_do_mesmo_tipo(rl):
    catalogo = novo_catalogo()
    completo = novo_parceiro(catalogo.tipo, rl)
    vazio = novo_parceiro(catalogo.tipo, rl)
    pasta_vigente(completo, catalogo, rl)

    assert situacao.calcular(completo)[0] == REGULAR
    assert situacao.calcular(vazio)[0] == IRREGULAR
    assert regular_pelo_sql(completo) and not regular_pelo_sql(vazio)


def test_tipo_sem_nenhuma_obrigatoria_ativa_e_regular(rl):
    catalogo = novo_catalogo()
    Obrigacao.objects.filter(tipos=catalogo.tipo, obrigatoria=True).update(ativa=False)
    parceiro = novo_parceiro(catalogo.tipo, rl)

    assert situacao.calcular(parceiro)[0] == REGULAR
    assert regular_pelo_sql(parceiro)


def test_documento_do_mandato_anterior_nao_vale_para_o_novo_rl(rl, outro_usuario):
    catalogo = novo_catalogo()
    parceiro = novo_parceiro(catalogo.tipo, rl, mandato_fim=ONTEM)
    pasta_vigente(parceiro, catalogo, rl)
    ata = catalogo["fim_mandato"]
    assert situacao.calcular(parceiro)[0] == IRREGULAR  # o mandato acabou: ata vencida

    services.vincular_rl(
        parceiro, outro_usuario, cargo="Presidente", mandato_inicio=HOJE, mandato_fim=LONGE
    )

    nova, itens = situacao.calcular(parceiro)
    item = next(i for i in itens if i.obrigacao == ata)
    assert item.status != ST.VIGENTE  # é a ata do mandato que terminou ontem
    assert nova == IRREGULAR
    assert not regular_pelo_sql(parceiro)


def test_dia_de_vencimento_vale_ate_23h59_de_brasilia(rl, relogio):
    """Às 23h30 de Brasília já é o dia seguinte em UTC: o documento ainda vale hoje."""
    catalogo = novo_catalogo()
    parceiro = novo_parceiro(catalogo.tipo, rl)
    pasta_vigente(parceiro, catalogo, rl, validade=HOJE)

    relogio.move_to(datetime(2026, 3, 10, 23, 30, tzinfo=BRASILIA))
    assert timezone.now().date() == dias(1)  # em UTC
    assert situacao.hoje() == HOJE
    assert situacao.calcular(parceiro)[0] == REGULAR
    assert regular_pelo_sql(parceiro)

    relogio.move_to(datetime(2026, 3, 11, 0, 0, 1, tzinfo=BRASILIA))
    assert situacao.calcular(parceiro)[0] == IRREGULAR
    assert not regular_pelo_sql(parceiro)


# --- O caminho completo: solicitação, assinatura e análise --------------------------------------
def test_documentos_aprovados_pela_analise_tornam_regular_e_vencem_no_dia_seguinte(
    rl, analista, media_temporaria, mailoutbox, django_capture_on_commit_callbacks
):
    catalogo = novo_catalogo()
    parceiro = novo_parceiro(catalogo.tipo, rl)
    assert recarregar(parceiro).situacao == IRREGULAR
    datas = {
        "data_informada": {"data_validade": dias(20)},
        "dias_apos_emissao": {"data_emissao": dias(-5)},
        "sem_validade": {},
        "fim_mandato": {},
    }
    pedido = services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=rl)
    for chave, extras in datas.items():
        services.anexar_documento(
            pedido,
            ator=rl,
            obrigacao=catalogo[chave],
            arquivo=SimpleUploadedFile(f"{chave}.pdf", pdf_pequeno()),
            **extras,
        )
    services.enviar_para_assinatura(pedido, ator=rl)
    declaracoes.assinar(pedido, ator=rl, ip="200.10.20.30")  # assinar encaminha para análise

    analise.decidir(pedido, ator=analista, decisao=Solicitacao.Status.APROVADA)

    parceiro = recarregar(parceiro)
    assert parceiro.situacao == REGULAR
    mudanca = parceiro.historico.get()
    assert (mudanca.de, mudanca.para) == (IRREGULAR, REGULAR)
    assert mudanca.motivo == f"Solicitação nº {pedido.pk} aprovada"
    itens = {i.obrigacao.pk: i for i in situacao.calcular(parceiro)[1]}
    assert itens[catalogo["data_informada"].pk].vence_em == dias(20)
    assert itens[catalogo["dias_apos_emissao"].pk].vence_em == dias(85)
    assert itens[catalogo["fim_mandato"].pk].vence_em == FIM_DO_MANDATO
    assert itens[catalogo["mrosc"].pk].status == ST.PENDENTE  # opcional, não enviado

    assert situacao.recalcular_todos(dias(20)) == 0  # último dia da certidão
    with django_capture_on_commit_callbacks(execute=True):
        assert situacao.recalcular_todos(dias(21)) == 1
    assert recarregar(parceiro).situacao == IRREGULAR
    assert [m.to for m in mailoutbox if "IRREGULAR" in m.body] == [[rl.email]]


# --- Recálculo de todos ---------------------------------------------------------------------------
def _consultas(dia):
    with CaptureQueriesContext(connection) as contexto:
        situacao.recalcular_todos(dia)
    return [q["sql"] for q in contexto.captured_queries]


def test_recalcular_todos_faz_as_mesmas_consultas_para_1_e_para_30_parceiros(rl):
    catalogo = novo_catalogo()

    def lote(n, validade):
        parceiros = [novo_parceiro(catalogo.tipo, rl) for _ in range(n)]
        for p in parceiros:
            pasta_vigente(p, catalogo, rl, validade=validade)
        return parceiros

    um = lote(1, validade=dias(1))
    um_regular = _consultas(HOJE)
    um_irregular = _consultas(dias(2))
    um_parado = _consultas(dias(2))
    assert recarregar(um[0]).situacao == IRREGULAR

    trinta = lote(30, validade=dias(4))  # o primeiro segue Irregular e parado
    trinta_regular = _consultas(dias(3))
    assert {recarregar(p).situacao for p in trinta} == {REGULAR}
    trinta_irregular = _consultas(dias(5))
    assert {recarregar(p).situacao for p in trinta} == {IRREGULAR}
    trinta_parado = _consultas(dias(5))

    assert len(trinta_regular) == len(um_regular)
    assert len(trinta_parado) == len(um_parado)
    # virar Irregular grava um e-mail por destinatário, todos num bulk_create só
    assert len(trinta_irregular) == len(um_irregular)
    assert sum("emailsaida" in sql.lower() for sql in trinta_irregular) == 1


@pytest.fixture
def organizacao(rl):
    """Parceiro do Tipo de teste, com RL e um RI (``.ri``); pasta (``.catalogo``) vigente até
    hoje."""
    catalogo = novo_catalogo()
    parceiro = novo_parceiro(catalogo.tipo, rl)
    pessoa = UsuarioFactory(aceitou_termo=True, nome="Iara Responsavel")
    services.incluir_responsavel(parceiro, pessoa, ator=rl, cargo="Contadora")
    pasta_vigente(parceiro, catalogo, rl, validade=HOJE)
    parceiro.ri = pessoa
    parceiro.catalogo = catalogo
    return parceiro


def test_recalcular_todos_registra_historico_e_avisa_rl_e_ri_uma_vez_ao_virar_irregular(
    organizacao, rl, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        assert situacao.recalcular_todos(HOJE) == 1
    assert recarregar(organizacao).situacao == REGULAR
    assert emails("situacao_irregular") == []  # virar Regular não manda e-mail

    with django_capture_on_commit_callbacks(execute=True):
        assert situacao.recalcular_todos(dias(1)) == 1

    assert recarregar(organizacao).situacao == IRREGULAR
    historico = list(organizacao.historico.order_by("created_at", "pk").values_list("de", "para"))
    assert historico == [(IRREGULAR, REGULAR), (REGULAR, IRREGULAR)]
    assert organizacao.historico.first().motivo == "Recálculo diário"
    enviados = emails("situacao_irregular")
    assert sorted(e.destinatario for e in enviados) == sorted([rl.email, organizacao.ri.email])
    assert all(organizacao.razao_social in e.corpo_texto for e in enviados)
    assert caminho(link_do_email(enviados[0], "/parceiros/")) == f"/parceiros/{organizacao.cnpj}/"
    entregues = [m for m in mailoutbox if m.subject == enviados[0].assunto]
    assert sorted(m.to[0] for m in entregues) == sorted([rl.email, organizacao.ri.email])

    caixa = len(mailoutbox)
    with django_capture_on_commit_callbacks(execute=True):
        assert situacao.recalcular_todos(dias(1)) == 0
    assert organizacao.historico.count() == 2
    assert len(emails("situacao_irregular")) == 2
    assert len(mailoutbox) == caixa


def test_recalcular_um_parceiro_grava_a_mudanca_com_o_motivo(organizacao, rl):
    assert situacao.recalcular(organizacao, motivo="Conferência") == REGULAR
    assert situacao.recalcular(organizacao, motivo="De novo") == REGULAR
    mudanca = organizacao.historico.get()
    assert (mudanca.de, mudanca.para, mudanca.motivo) == (IRREGULAR, REGULAR, "Conferência")
    assert recarregar(organizacao).situacao_calculada_em == AGORA


# --- Avisos de vencimento -------------------------------------------------------------------------
@pytest.mark.parametrize("prazo", [30, 15, 7, 1])
def test_documento_que_vence_em_30_15_7_ou_1_dia_avisa_rl_e_ri_uma_vez(
    prazo, organizacao, rl, mailoutbox, django_capture_on_commit_callbacks
):
    certidao = organizacao.catalogo["data_informada"]
    Documento.objects.filter(obrigacao=certidao).update(status=DOC.SUBSTITUIDO)
    novo = documento(organizacao, certidao, rl, data_validade=dias(prazo))

    with django_capture_on_commit_callbacks(execute=True):
        assert avisos.avisar_vencimentos(HOJE) == 1

    enviados = emails("documento_a_vencer")
    assert sorted(e.destinatario for e in enviados) == sorted([rl.email, organizacao.ri.email])
    texto = enviados[0].corpo_texto
    assert certidao.nome in texto
    assert f"vence em {dias(prazo):%d/%m/%Y} (daqui a {prazo} dia" in texto
    assert organizacao.cnpj_formatado in texto
    assert sorted(m.to[0] for m in mailoutbox if m.subject == enviados[0].assunto) == sorted(
        [rl.email, organizacao.ri.email]
    )
    aviso = AvisoVencimento.objects.get()
    assert (aviso.documento, aviso.dias, aviso.vence_em) == (novo, prazo, dias(prazo))


@pytest.mark.parametrize("prazo", [31, 29, 14, 8, 2, 0])
def test_documento_fora_dos_prazos_de_aviso_nao_gera_email(prazo, organizacao, rl):
    certidao = organizacao.catalogo["data_informada"]
    Documento.objects.filter(obrigacao=certidao).update(status=DOC.SUBSTITUIDO)
    documento(organizacao, certidao, rl, data_validade=dias(prazo))

    assert avisos.avisar_vencimentos(HOJE) == 0
    assert emails("documento_a_vencer") == []
    assert not AvisoVencimento.objects.exists()


def test_documento_nao_aprovado_nao_gera_aviso(organizacao, rl):
    certidao = organizacao.catalogo["data_informada"]
    for status in (DOC.EM_ANALISE, DOC.REPROVADO, DOC.SUBSTITUIDO):
        documento(organizacao, certidao, rl, status=status, data_validade=dias(30))

    assert avisos.avisar_vencimentos(HOJE) == 0
    assert emails("documento_a_vencer") == []


def test_um_email_por_pessoa_e_parceiro_com_todos_os_itens_a_vencer(organizacao, rl, outro_rl):
    catalogo = organizacao.catalogo
    Documento.objects.filter(parceiro=organizacao).update(status=DOC.SUBSTITUIDO)
    documento(organizacao, catalogo["data_informada"], rl, data_validade=dias(30))
    documento(organizacao, catalogo["dias_apos_emissao"], rl, data_emissao=dias(7 - 90))
    vizinho = novo_parceiro(catalogo.tipo, outro_rl)
    documento(vizinho, catalogo["data_informada"], outro_rl, data_validade=dias(15))

    assert avisos.avisar_vencimentos(HOJE) == 3

    por_pessoa = {e.destinatario: e for e in emails("documento_a_vencer")}
    assert sorted(por_pessoa) == sorted([rl.email, organizacao.ri.email, outro_rl.email])
    texto = por_pessoa[rl.email].corpo_texto
    assert catalogo["data_informada"].nome in texto and catalogo["dias_apos_emissao"].nome in texto
    # em ordem de vencimento: o de 7 dias antes do de 30
    assert texto.index("daqui a 7 dias") < texto.index("daqui a 30 dias")
    assert organizacao.razao_social not in por_pessoa[outro_rl.email].corpo_texto
    assert "daqui a 15 dias" in por_pessoa[outro_rl.email].corpo_texto


def test_rotina_diaria_repetida_no_mesmo_dia_avisa_uma_vez_e_o_proximo_prazo_no_dia_certo(
    organizacao, rl, relogio, mailoutbox, django_capture_on_commit_callbacks
):
    certidao = organizacao.catalogo["data_informada"]
    Documento.objects.filter(obrigacao=certidao).update(status=DOC.SUBSTITUIDO)
    documento(organizacao, certidao, rl, data_validade=dias(30))
    pessoas = sorted([rl.email, organizacao.ri.email])

    def rodar():
        with django_capture_on_commit_callbacks(execute=True):
            tasks.rotina_diaria.delay()
        return sorted((m.to[0], m.body.split("(daqui a ")[1][:2]) for m in avisados())

    def avisados():
        return [m for m in mailoutbox if "vão vencer" in m.body]

    assert rodar() == [(p, "30") for p in pessoas]
    assert rodar() == [(p, "30") for p in pessoas]  # de novo no mesmo dia: nada novo

    relogio.move_to(AGORA + timedelta(days=1))  # faltam 29 dias
    assert len(rodar()) == 2

    relogio.move_to(AGORA + timedelta(days=15))  # faltam 15
    assert rodar() == sorted([(p, "30") for p in pessoas] + [(p, "15") for p in pessoas])
    rodar()
    assert len(avisados()) == 4
    assert AvisoVencimento.objects.count() == 2


def test_documento_do_mandato_avisa_pelo_fim_do_mandato_do_rl(organizacao, rl):
    catalogo = organizacao.catalogo
    services.vincular_rl(
        organizacao,
        rl,
        cargo="Presidente",
        mandato_inicio=date(2025, 1, 1),
        mandato_fim=dias(7),
    )
    # O documento do mandato anterior venceu com ele; o do mandato novo avisa pelo fim dele.
    documento(organizacao, catalogo["fim_mandato"], rl)
    longe = novo_parceiro(catalogo.tipo, UsuarioFactory(), mandato_fim=dias(8))
    documento(longe, catalogo["fim_mandato"], rl)

    assert avisos.avisar_vencimentos(HOJE) == 1

    aviso = AvisoVencimento.objects.get()
    assert aviso.documento.parceiro == organizacao
    assert aviso.documento.obrigacao == catalogo["fim_mandato"]
    assert (aviso.dias, aviso.vence_em) == (7, dias(7))
    enviados = emails("documento_a_vencer")
    assert sorted(e.destinatario for e in enviados) == sorted([rl.email, organizacao.ri.email])
    assert f"vence em {dias(7):%d/%m/%Y} (daqui a 7 dias)" in enviados[0].corpo_texto
    assert catalogo["data_informada"].nome not in enviados[0].corpo_texto


def test_novo_mandato_exige_documento_novo_e_gera_novo_ciclo_de_avisos(organizacao, rl):
    catalogo = organizacao.catalogo
    mandato = {"cargo": "Presidente", "mandato_inicio": date(2025, 1, 1)}
    services.vincular_rl(organizacao, rl, mandato_fim=dias(30), **mandato)
    primeiro = documento(organizacao, catalogo["fim_mandato"], rl)
    assert avisos.avisar_vencimentos(HOJE) == 1
    services.vincular_rl(organizacao, rl, mandato_fim=dias(60), **mandato)  # reconduzido
    # Mandato novo, documento novo: o do mandato encerrado não avisa mais.
    segundo = documento(organizacao, catalogo["fim_mandato"], rl)

    assert avisos.avisar_vencimentos(dias(30)) == 1
    assert set(AvisoVencimento.objects.values_list("documento_id", flat=True)) == {
        primeiro.pk,
        segundo.pk,
    }

    assert sorted(AvisoVencimento.objects.values_list("dias", "vence_em")) == [
        (30, dias(30)),
        (30, dias(60)),
    ]
    assert catalogo["fim_mandato"].pk == AvisoVencimento.objects.first().documento.obrigacao_id


# --- Comando --------------------------------------------------------------------------------------
def test_comando_recalcula_no_dia_informado_e_envia_os_avisos_desse_dia(organizacao):
    saida = StringIO()
    call_command("recalcular_situacao", "--data", "2026-02-08", stdout=saida)  # HOJE - 30

    # a certidão e o item MROSC vencem hoje, 30 dias depois do dia informado
    assert saida.getvalue().strip() == (
        "08/02/2026: 1 Parceiro(s) mudaram de situação; 2 aviso(s) de vencimento."
    )
    assert recarregar(organizacao).situacao == REGULAR
    assert set(AvisoVencimento.objects.values_list("dias", "vence_em")) == {(30, HOJE)}

    call_command("recalcular_situacao", "--data", "2026-02-23", "--sem-avisos", stdout=saida)
    assert AvisoVencimento.objects.count() == 2  # 15 dias antes, mas sem avisos
    call_command("recalcular_situacao", "--data", "2026-03-11", stdout=saida)
    assert recarregar(organizacao).situacao == IRREGULAR


def test_comando_sem_data_usa_o_dia_de_hoje(organizacao):
    saida = StringIO()
    call_command("recalcular_situacao", stdout=saida)
    assert saida.getvalue().startswith("10/03/2026: 1 Parceiro(s)")
    assert recarregar(organizacao).situacao == REGULAR


@pytest.mark.parametrize("data", ["10/03/2026", "2026-02-30", "amanhã"])
def test_comando_com_data_invalida_explica_em_portugues_e_nao_muda_nada(data, organizacao):
    with pytest.raises(CommandError, match=r"^Data inválida; use AAAA-MM-DD\.$"):
        call_command("recalcular_situacao", "--data", data, stdout=StringIO())
    assert not HistoricoSituacao.objects.filter(parceiro=organizacao).exists()
    assert recarregar(organizacao).situacao == IRREGULAR


def test_lista_pendente_da_busca_por_nome_fica_vazia_depois_de_esvaziar(parceiro):
    """Gravação em massa enche a lista pendente do GIN de trigramas; cada busca a percorreria
    inteira (issue #15). ``limpar_busca_pendente`` (no fim do recálculo) a esvazia."""
    if connection.vendor != "postgresql":
        situacao.limpar_busca_pendente()  # no SQLite não há índice GIN: nada a fazer, sem erro
        return

    def pendentes():
        cursor.execute(
            "SELECT pending_tuples FROM pgstatginindex('parceiro_busca_nome_trgm'::regclass)"
        )
        return cursor.fetchone()[0]

    with connection.cursor() as cursor:
        cursor.execute("CREATE EXTENSION IF NOT EXISTS pgstattuple")
        # O padrão do PostgreSQL (a migração 0021 o repõe); explícito para não depender do
        # histórico do banco de testes reaproveitado (a primeira versão da 0021 o desligava).
        cursor.execute("ALTER INDEX parceiro_busca_nome_trgm SET (fastupdate = on)")
        for numero in range(20):  # busca_nome está em índices: nenhuma atualização é HOT
            cursor.execute(
                "UPDATE parceiros_parceiro SET busca_nome = %s WHERE id = %s",
                [f"NOME NOVO {numero}", parceiro.pk],
            )
        assert pendentes() > 0
        situacao.limpar_busca_pendente()
        assert pendentes() == 0
