"""Validade de documento numa regra só (issue #12, item 3).

``Documento.objects.com_vencimento_efetivo()`` decide quando um documento vence; a situação
(um Parceiro em Python e todos de uma vez em SQL), os avisos de vencimento, o CRC e a pasta
digital leem essa anotação. ``vence_em`` é só a data do próprio documento, gravada no envio.

A propriedade central: sobre uma população gerada (regras, datas, mandatos ativos,
encerrados ou sem fim, documentos em todos os status), a anotação, a visão por Parceiro
(pasta e CRC), o SQL por conjunto (recálculo noturno) e os avisos concordam com a regra
escrita à mão a partir do produto.md §4. Roda no SQLite e no PostgreSQL (``DATABASE_URL``).
"""

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from declaracoes import crc
from declaracoes import services as declaracoes
from parceiros import analise, avisos, selectors, services, situacao
from parceiros.models import (
    Documento,
    DocumentoQuerySet,
    Obrigacao,
    Parceiro,
    Solicitacao,
    Vinculo,
)
from tests.factories import pdf_pequeno
from tests.parceiros.test_situacao import (  # noqa: F401 (relogio e _pdf_rapido: fixtures)
    FIM_DO_MANDATO,
    HOJE,
    _pdf_rapido,
    dias,
    documento,
    novo_catalogo,
    novo_parceiro,
    pasta_vigente,
    relogio,
)

pytestmark = pytest.mark.django_db

R = Obrigacao.Regra
DOC = Documento.Status
ST = situacao.StatusObrigacao
REGULAR = Parceiro.Situacao.REGULAR
CHAVES = ["data_informada", "dias_apos_emissao", "fim_mandato", "sem_validade", "mrosc"]
JA_VENCEU = "já venceu"  # fim_mandato sem mandato em curso: vencido, sem data


# --- A regra, escrita à mão a partir do produto.md §4 (o oráculo) ------------------------------
def vencimento_pela_regra(doc):
    """``None``: não vence; ``JA_VENCEU``: mandato encerrado ou sem fim; senão a data."""
    if doc.regra_validade == R.SEM_VALIDADE:
        return None
    if doc.regra_validade == R.DATA_INFORMADA:
        return doc.data_validade
    if doc.regra_validade == R.DIAS_APOS_EMISSAO:
        if doc.data_emissao is None:
            return None
        return doc.data_emissao + timedelta(days=doc.obrigacao.dias)
    vinculo = doc.vinculo
    if vinculo is None or not vinculo.ativo or vinculo.mandato_fim is None:
        return JA_VENCEU
    return vinculo.mandato_fim


def vigente_pela_regra(doc, dia):
    vence = vencimento_pela_regra(doc)
    return vence is None or (vence is not JA_VENCEU and vence >= dia)


# --- A população gerada ----------------------------------------------------------------------
@dataclass(frozen=True)
class PlanoDocumento:
    status: str
    deslocamento: int | None  # dias do vencimento em relação a HOJE (None: sem data)


@dataclass(frozen=True)
class PlanoParceiro:
    mandato: str  # sem_rl, ativo, encerrado (documentos do mandato anterior), sem_fim
    fim_do_mandato: int
    documentos: dict  # chave -> [PlanoDocumento] (no máximo um aprovado por obrigação)
    desativada: str | None  # obrigação desativada no catálogo depois do envio


deslocamentos = st.one_of(st.none(), st.integers(min_value=-3, max_value=32))


@st.composite
def documentos_de_uma_obrigacao(draw):
    outros = draw(
        st.lists(
            st.builds(
                PlanoDocumento,
                st.sampled_from([DOC.REPROVADO, DOC.SUBSTITUIDO, DOC.EM_ANALISE]),
                deslocamentos,
            ),
            max_size=1,
        )
    )
    aprovado = draw(
        st.one_of(st.none(), st.builds(PlanoDocumento, st.just(DOC.APROVADO), deslocamentos))
    )
    return outros + ([aprovado] if aprovado else [])


planos = st.builds(
    PlanoParceiro,
    st.sampled_from(["sem_rl", "ativo", "encerrado", "sem_fim"]),
    st.integers(min_value=-3, max_value=32),
    st.fixed_dictionaries({c: documentos_de_uma_obrigacao() for c in CHAVES}),
    st.one_of(st.none(), st.sampled_from(CHAVES)),
)


def datas_do_documento(obrigacao, deslocamento):
    if deslocamento is None:
        return {}
    if obrigacao.regra_validade == R.DATA_INFORMADA:
        return {"data_validade": dias(deslocamento)}
    if obrigacao.regra_validade == R.DIAS_APOS_EMISSAO:
        return {"data_emissao": dias(deslocamento - obrigacao.dias)}
    return {"data_emissao": dias(deslocamento - 400)}  # não muda nada nas outras regras


def montar(catalogo, plano, rl):
    """Parceiro pelo serviço; mandato pelo serviço (``vincular_rl`` encerra o anterior)."""
    fim = None if plano.mandato == "sem_fim" else dias(plano.fim_do_mandato)
    parceiro = novo_parceiro(catalogo.tipo)
    if plano.mandato != "sem_rl":
        services.vincular_rl(
            parceiro, rl, cargo="Presidente", mandato_inicio=date(2025, 1, 1), mandato_fim=fim
        )
    for chave, documentos in plano.documentos.items():
        for p in documentos:
            obrigacao = catalogo[chave]
            documento(
                parceiro,
                obrigacao,
                rl,
                status=p.status,
                **datas_do_documento(obrigacao, p.deslocamento),
            )
    if plano.mandato == "encerrado":  # novo mandato: os documentos do anterior vencem com ele
        services.vincular_rl(
            parceiro, rl, cargo="Presidente", mandato_inicio=date(2025, 1, 1), mandato_fim=fim
        )
    return parceiro


def conferir_populacao(parceiros, dia):
    """Anotação, itens (pasta/CRC), SQL por conjunto e avisos contra o oráculo."""
    docs = list(
        Documento.objects.com_vencimento_efetivo(dia)
        .filter(parceiro__in=parceiros)
        .select_related("obrigacao", "vinculo")
    )
    for doc in docs:
        esperado = vencimento_pela_regra(doc)
        obtido = doc.vencimento_efetivo
        assert (JA_VENCEU if obtido == date.min else obtido) == esperado, doc.regra_validade
        assert doc.vigente is vigente_pela_regra(doc, dia)

    regulares_sql = set(situacao._regulares_sql(dia).values_list("pk", flat=True))
    for parceiro in parceiros:
        aprovados = {
            d.obrigacao_id: d
            for d in docs
            if d.parceiro_id == parceiro.pk and d.status == DOC.APROVADO
        }
        ativas = list(parceiro.tipo.obrigacoes.filter(ativa=True))
        calculada, itens = situacao.calcular(parceiro, dia)
        por_obrigacao = {i.obrigacao.pk: i for i in itens}
        assert set(por_obrigacao) == {o.pk for o in ativas}
        for obrigacao in ativas:
            item, doc = por_obrigacao[obrigacao.pk], aprovados.get(obrigacao.pk)
            if doc is None:
                assert (item.status, item.vence_em) == (ST.PENDENTE, None)
                continue
            vigente = vigente_pela_regra(doc, dia)
            assert item.status == (ST.VIGENTE if vigente else ST.VENCIDO)
            vence = vencimento_pela_regra(doc)
            assert item.vence_em == (None if vence is JA_VENCEU else vence)
        regular = all(
            obrigacao.pk in aprovados and vigente_pela_regra(aprovados[obrigacao.pk], dia)
            for obrigacao in ativas
            if obrigacao.obrigatoria
        )
        assert (calculada == REGULAR) is regular
        assert (parceiro.pk in regulares_sql) is regular

    prazos = {dia + timedelta(days=p): p for p in avisos.PRAZOS}
    esperados = {
        (d.pk, prazos[vencimento_pela_regra(d)])
        for d in docs
        if d.status == DOC.APROVADO and vencimento_pela_regra(d) in prazos
    }
    ids = {p.pk for p in parceiros}
    obtidos = {(d.pk, prazo) for d, prazo, _ in avisos._a_vencer(dia) if d.parceiro_id in ids}
    assert obtidos == esperados


# Cada exemplo monta Parceiros no banco: reduzir um contraexemplo levaria minutos, e as
# mensagens já dizem qual documento ou Parceiro discordou.
@hsettings(
    max_examples=30,
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    populacao=st.lists(planos, min_size=1, max_size=4),
    dia=st.integers(min_value=-2, max_value=2).map(dias),
)
def test_anotacao_pasta_sql_e_avisos_concordam_com_a_regra_numa_populacao_gerada(
    populacao, dia, rl
):
    with transaction.atomic():
        catalogo = novo_catalogo()
        parceiros = [montar(catalogo, plano, rl) for plano in populacao]
        for plano in populacao:
            if plano.desativada:
                Obrigacao.objects.filter(pk=catalogo[plano.desativada].pk).update(ativa=False)
        parceiros = list(
            Parceiro.objects.filter(pk__in=[p.pk for p in parceiros]).select_related("tipo")
        )
        conferir_populacao(parceiros, dia)
        transaction.set_rollback(True)  # cada exemplo começa do banco vazio


# --- Um lugar só: todo leitor passa pela anotação ----------------------------------------------
@pytest.fixture
def chamadas(monkeypatch):
    """Conta as chamadas de ``com_vencimento_efetivo`` sem mudar o que ela devolve."""
    registro = []
    original = DocumentoQuerySet.com_vencimento_efetivo

    def espiao(self, *args, **kwargs):
        registro.append(args or kwargs)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(DocumentoQuerySet, "com_vencimento_efetivo", espiao)
    return registro


def test_situacao_sql_pasta_crc_e_avisos_leem_a_mesma_anotacao(chamadas, rl):
    catalogo = novo_catalogo()
    parceiro = novo_parceiro(catalogo.tipo, rl)
    pasta_vigente(parceiro, catalogo, rl)
    leitores = {
        "situação de um Parceiro": lambda: situacao.calcular(parceiro),
        "situação de todos (SQL)": lambda: situacao._regulares_sql(HOJE).exists(),
        "recálculo noturno": lambda: situacao.recalcular_todos(HOJE),
        "pasta digital": lambda: selectors.pasta_digital(parceiro, rl),
        "CRC": lambda: crc.retrato_do_parceiro(parceiro, REGULAR, situacao.itens(parceiro), HOJE),
        "avisos de vencimento": lambda: avisos.avisar_vencimentos(HOJE),
    }
    for nome, ler in leitores.items():
        chamadas.clear()
        ler()
        assert chamadas, f"{nome} não usou Documento.objects.com_vencimento_efetivo()"


# --- vence_em: só a data do próprio documento --------------------------------------------------
@pytest.mark.parametrize("regra", [R.FIM_MANDATO, R.SEM_VALIDADE])
def test_banco_recusa_vence_em_em_documento_que_nao_traz_data(regra, rl):
    catalogo = novo_catalogo()
    parceiro = novo_parceiro(catalogo.tipo, rl)
    doc = documento(parceiro, catalogo[regra], rl)
    with pytest.raises(IntegrityError), transaction.atomic():
        Documento.objects.filter(pk=doc.pk).update(vence_em=FIM_DO_MANDATO)


def test_aprovacao_pela_analise_nao_copia_o_fim_do_mandato_e_o_item_segue_o_mandato(
    rl, analista, media_temporaria, django_capture_on_commit_callbacks
):
    catalogo = novo_catalogo()
    parceiro = novo_parceiro(catalogo.tipo, rl)
    pedido = services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=rl)
    services.anexar_documento(
        pedido,
        ator=rl,
        obrigacao=catalogo["fim_mandato"],
        arquivo=SimpleUploadedFile("posse.pdf", pdf_pequeno()),
    )
    services.enviar_para_assinatura(pedido, ator=rl)
    declaracoes.assinar(pedido, ator=rl, ip="200.10.20.30")  # assinar encaminha para análise

    analise.decidir(pedido, ator=analista, decisao=Solicitacao.Status.APROVADA)

    doc = Documento.objects.get(solicitacao=pedido)
    mandato = Vinculo.objects.get(parceiro=parceiro, papel=Vinculo.Papel.RL, ativo=True)
    assert (doc.status, doc.vinculo, doc.vence_em) == (DOC.APROVADO, mandato, None)
    # A importação corrige o fim do mandato no próprio vínculo: pasta, CRC e avisos seguem.
    Vinculo.objects.filter(pk=mandato.pk).update(mandato_fim=dias(7))
    item = next(i for i in situacao.itens(parceiro) if i.obrigacao == catalogo["fim_mandato"])
    assert (item.status, item.vence_em) == (ST.VIGENTE, dias(7))
    assert [(d.pk, p) for d, p, _ in avisos._a_vencer(HOJE)] == [(doc.pk, 7)]


def test_pasta_e_crc_dizem_mandato_encerrado_para_documento_do_rl_anterior(
    client, rl, outro_usuario
):
    catalogo = novo_catalogo()
    parceiro = novo_parceiro(catalogo.tipo, rl)
    pasta_vigente(parceiro, catalogo, rl)
    services.vincular_rl(
        parceiro, outro_usuario, cargo="Presidente", mandato_inicio=HOJE, mandato_fim=dias(700)
    )
    item = next(i for i in situacao.itens(parceiro) if i.obrigacao == catalogo["fim_mandato"])
    assert (item.status, item.vence_em) == (ST.VENCIDO, None)
    assert crc._validade(item) == "Mandato encerrado"

    client.force_login(outro_usuario)
    pagina = client.get(f"/parceiros/{parceiro.cnpj}/").content.decode()

    linha = pagina[pagina.index(catalogo["fim_mandato"].nome) :]
    linha = linha[: linha.index("</tr>")]
    assert "mandato encerrado" in linha
    assert "sem validade" not in linha and "Vencido" in linha
