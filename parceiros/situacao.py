"""Situação Regular/Irregular de um Parceiro e o status de cada Obrigação.

Regra (produto.md §4): Regular quando toda Obrigação *obrigatória* e ativa do Tipo tem
um documento aprovado vigente hoje. Quando um documento vence é decidido num lugar só,
``Documento.objects.com_vencimento_efetivo()`` (data informada, N dias após a emissão,
fim do mandato do RL a que foi aprovado, sem validade).

Duas formas do mesmo cálculo, sobre a mesma anotação: ``itens``/``calcular`` (um
Parceiro, para a pasta digital e o CRC) e ``_regulares_sql`` (todos de uma vez, em SQL,
para o recálculo noturno). Os testes conferem que as duas concordam.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.db import connection, models, transaction
from django.db.models import Exists, F, OuterRef, QuerySet, Subquery
from django.utils import timezone

from accounts.models import Usuario
from cagec.lib import compiladas

from . import avisos, ganchos
from .models import VENCIDO_SEM_DATA, Documento, HistoricoSituacao, Obrigacao, Parceiro, Vinculo

SITUACAO = Parceiro.Situacao


class StatusObrigacao(models.TextChoices):
    VIGENTE = "vigente", "Vigente"
    VENCIDO = "vencido", "Vencido"
    PENDENTE = "pendente", "Pendente"


@dataclass(frozen=True)
class Item:
    obrigacao: Obrigacao
    documento: Documento | None
    status: str
    vence_em: date | None

    @property
    def status_display(self) -> str:
        return StatusObrigacao(self.status).label

    # O que o CRC lê de um item, com os mesmos nomes de ``ItemResumido``.
    @property
    def nome_do_grupo(self) -> str:
        return self.obrigacao.grupo.nome

    @property
    def nome(self) -> str:
        return self.obrigacao.nome

    @property
    def obrigatoria(self) -> bool:
        return self.obrigacao.obrigatoria

    @property
    def mrosc(self) -> bool:
        return self.obrigacao.mrosc

    @property
    def aprovado_em(self) -> datetime | None:
        return self.documento.analisado_em if self.documento else None

    @property
    def fim_de_mandato(self) -> bool:
        """O documento atual segue o mandato do RL (sem data: "Mandato encerrado")."""
        regra = self.documento.regra_validade if self.documento else ""
        return regra == Obrigacao.Regra.FIM_MANDATO


@dataclass(frozen=True, slots=True)
class ItemResumido:
    """O item com o que o CRC mostra e a regra lê, sem os modelos (``itens_resumidos``)."""

    nome_do_grupo: str
    nome: str
    obrigatoria: bool
    mrosc: bool
    status: str
    vence_em: date | None
    fim_de_mandato: bool
    aprovado_em: datetime | None = None  # a análise do documento atual (a API mostra)

    @property
    def status_display(self) -> str:
        return StatusObrigacao(self.status).label


ItemQualquer = Item | ItemResumido


def hoje() -> date:
    return timezone.localdate()


# --- Campos mantidos pelo Estado: um rótulo, as mesmas palavras em toda parte ------------
# A pasta digital, o CRC (que guarda os rótulos no retrato), a consulta (página e
# exportações) e a verificação mostram MROSC, CADIN-MG, SIAFI-MG e "Possui impedimento"
# com estas funções; nenhum template escreve "bloqueado" ou "Sim" por conta própria.
NAO_SE_APLICA = "Não se aplica"


def rotulo_mrosc(parceiro: Parceiro, lista_itens: Sequence[ItemQualquer]) -> str:
    """Situação dos itens MROSC: o texto que o Estado gravou ou, sem ele, o resumo dos itens.

    Os itens são os de ``itens(parceiro)`` (Obrigações marcadas como MROSC no catálogo).
    """
    if parceiro.situacao_mrosc:
        return parceiro.situacao_mrosc
    mrosc = [i for i in lista_itens if i.mrosc]
    if not mrosc:
        return NAO_SE_APLICA
    vigentes = sum(1 for i in mrosc if i.status == StatusObrigacao.VIGENTE)
    if vigentes == len(mrosc):
        return "Regular (todos os itens MROSC vigentes)"
    faltam = len(mrosc) - vigentes
    return f"Irregular ({faltam} de {len(mrosc)} itens MROSC sem documento vigente)"


def rotulo_cadin(bloqueado: bool) -> str:
    return "Sim (bloqueado)" if bloqueado else "Não"


def rotulo_siafi(bloqueado: bool) -> str:
    return "Bloqueado" if bloqueado else "Normal"


def rotulo_impedimento(possui: bool) -> str:
    return "Sim" if possui else "Não"


def campos_do_estado(
    parceiro: Parceiro, lista_itens: Sequence[ItemQualquer]
) -> dict[str, str | bool]:
    """Os rótulos de MROSC, CADIN-MG, SIAFI-MG e impedimento (as chaves do retrato do CRC)."""
    return {
        "situacao_mrosc": rotulo_mrosc(parceiro, lista_itens),
        "cadin": rotulo_cadin(parceiro.cadin_bloqueado),
        "siafi": rotulo_siafi(parceiro.siafi_bloqueado),
        "motivo_impedimento": parceiro.motivo_impedimento if parceiro.possui_impedimento else "",
        "possui_impedimento": parceiro.possui_impedimento,
    }


def itens(parceiro: Parceiro, dia: date | None = None) -> list[Item]:
    """Cada Obrigação ativa do Tipo com o documento aprovado atual e o seu status."""
    dia = dia or hoje()
    atuais: dict[int, Documento] = {}
    aprovados = (
        Documento.objects.com_vencimento_efetivo(dia)
        .filter(parceiro=parceiro, status=Documento.Status.APROVADO)
        .select_related("vinculo")
    )
    for documento in aprovados.order_by("-analisado_em", "-created_at", "-pk"):
        atuais.setdefault(documento.obrigacao_id, documento)
    resultado = []
    obrigacoes = parceiro.tipo.obrigacoes.filter(ativa=True).select_related("grupo")
    for obrigacao in obrigacoes:
        documento = atuais.get(obrigacao.pk)
        if documento is None:
            resultado.append(Item(obrigacao, None, StatusObrigacao.PENDENTE, None))
            continue
        # vencimento_efetivo e vigente: anotações de com_vencimento_efetivo(dia), fora do modelo.
        vence = documento.vencimento_efetivo  # type: ignore[attr-defined]
        status = StatusObrigacao.VIGENTE if documento.vigente else StatusObrigacao.VENCIDO  # type: ignore[attr-defined]
        resultado.append(
            Item(obrigacao, documento, status, None if vence == VENCIDO_SEM_DATA else vence)
        )
    return resultado


def itens_resumidos(parceiro: Parceiro, dia: date) -> list[ItemResumido]:
    """Os mesmos itens de ``itens``, em duas consultas só com as colunas que o CRC mostra
    (sem montar ``Obrigacao`` nem ``Documento``), para a emissão do CRC e o ``recalcular``: a
    primeira emissão do dia é pedida por visitantes anônimos (issue #15)."""
    documentos, obrigacoes = _compiladas()
    valores = compiladas.trocas(
        {_SENTINELA_PARCEIRO: parceiro.pk, _SENTINELA_TIPO: parceiro.tipo_id, _SENTINELA_DIA: dia}
    )
    atuais: dict[int, tuple[str, date | None, bool, datetime | None]] = {}
    for obrigacao_id, regra, vence, vigente, aprovado in compiladas.linhas(documentos, valores):
        lido = (regra, compiladas.data(vence), bool(vigente), compiladas.momento(aprovado))
        atuais.setdefault(obrigacao_id, lido)
    resultado = []
    for pk, grupo, nome, obrigatoria, mrosc in compiladas.linhas(obrigacoes, valores):
        regra, vence, vigente, aprovado = atuais.get(pk, ("", None, None, None))
        if vigente is None:
            status, vence = StatusObrigacao.PENDENTE, None
        else:
            status = StatusObrigacao.VIGENTE if vigente else StatusObrigacao.VENCIDO
            vence = None if vence == VENCIDO_SEM_DATA else vence
        fim = regra == Obrigacao.Regra.FIM_MANDATO
        item = ItemResumido(
            grupo, nome, bool(obrigatoria), bool(mrosc), status, vence, fim, aprovado
        )
        resultado.append(item)
    return resultado


# O SQL das duas consultas de ``itens_resumidos`` sai do ORM (a regra do vencimento continua
# só em ``com_vencimento_efetivo``), compilado uma vez por processo (``cagec.lib.compiladas``).
_SENTINELA_PARCEIRO = -918_273_645
_SENTINELA_TIPO = -918_273_646
_SENTINELA_DIA = date(1903, 3, 3)


@compiladas.por_vendor
def _compiladas() -> tuple[compiladas.Compilada, compiladas.Compilada]:
    """Os documentos aprovados do Parceiro (o atual de cada obrigação primeiro) e as
    obrigações ativas do Tipo, na ordem do Meta (a de ``itens``)."""
    documentos = (
        Documento.objects.com_vencimento_efetivo(_SENTINELA_DIA)
        .filter(parceiro_id=_SENTINELA_PARCEIRO, status=Documento.Status.APROVADO)
        .order_by("-analisado_em", "-created_at", "-pk")
        .values_list(
            "obrigacao_id", "regra_validade", "vencimento_efetivo", "vigente", "analisado_em"
        )
    )
    obrigacoes = Obrigacao.objects.filter(tipos=_SENTINELA_TIPO, ativa=True).values_list(
        "pk", "grupo__nome", "nome", "obrigatoria", "mrosc"
    )
    return (
        compiladas.compilar(documentos, _SENTINELA_PARCEIRO, _SENTINELA_DIA),
        compiladas.compilar(obrigacoes, _SENTINELA_TIPO),
    )


def situacao_dos_itens(lista: Sequence[ItemQualquer]) -> Parceiro.Situacao:
    """A regra: Regular quando toda obrigatória do Tipo tem documento vigente."""
    regular = all(i.status == StatusObrigacao.VIGENTE for i in lista if i.obrigatoria)
    return SITUACAO.REGULAR if regular else SITUACAO.IRREGULAR


def calcular(parceiro: Parceiro, dia: date | None = None) -> tuple[Parceiro.Situacao, list[Item]]:
    """(situação, itens) de um Parceiro hoje (ou em ``dia``)."""
    lista = itens(parceiro, dia)
    return situacao_dos_itens(lista), lista


def calcular_resumido(
    parceiro: Parceiro, dia: date
) -> tuple[Parceiro.Situacao, list[ItemResumido]]:
    """O mesmo cálculo de ``calcular``, sobre os itens enxutos de ``itens_resumidos``."""
    lista = itens_resumidos(parceiro, dia)
    return situacao_dos_itens(lista), lista


def recalcular(
    parceiro: Parceiro, *, motivo: str = "", dia: date | None = None
) -> Parceiro.Situacao:
    """Grava a situação calculada; registra a mudança e avisa quando vira Irregular."""
    with transaction.atomic():
        # Só as colunas usadas aqui (nada do JSON da Receita) e os itens resumidos: a mesma
        # regra, e a emissão do CRC passa por aqui quando a situação guardada ficou velha.
        colunas = ("situacao", "cnpj", "tipo")
        parceiro = Parceiro.objects.select_for_update().only(*colunas).get(pk=parceiro.pk)
        nova, _ = calcular_resumido(parceiro, dia or hoje())
        historico = _aplicar(parceiro.pk, parceiro.situacao, nova, motivo)
        # Toda mudança no cadastro passa por aqui: o CRC do dia deixa de valer.
        Parceiro.objects.filter(pk=parceiro.pk).update(
            versao_publica=F("versao_publica") + 1, publico_alterado_em=timezone.now()
        )
        if historico is not None:  # webhooks (api), na mesma transação
            ganchos.situacao_alterada(HistoricoSituacao.objects.filter(pk=historico.pk))
    return nova


def _aplicar(parceiro_id: int, de: str, para: str, motivo: str) -> HistoricoSituacao | None:
    if de == para:
        return None
    agora = timezone.now()
    Parceiro.objects.filter(pk=parceiro_id).update(situacao=para, situacao_calculada_em=agora)
    historico = HistoricoSituacao.objects.create(
        parceiro_id=parceiro_id, de=de, para=para, motivo=motivo[:300], created_at=agora
    )
    if para == SITUACAO.IRREGULAR:
        avisos.avisar_irregular([historico])
    return historico


# --- Todos de uma vez (recálculo noturno) ------------------------------------------------------
def _regulares_sql(dia: date) -> QuerySet[Parceiro]:
    """Parceiros sem nenhuma obrigatória do Tipo sem documento vigente (NOT EXISTS duplo)."""
    documento_vigente = Documento.objects.vigentes_em(dia).filter(
        parceiro_id=OuterRef(OuterRef("pk")), obrigacao_id=OuterRef("pk")
    )
    faltando = Obrigacao.objects.filter(
        tipos=OuterRef("tipo_id"), obrigatoria=True, ativa=True
    ).exclude(Exists(documento_vigente))
    return Parceiro.objects.exclude(Exists(faltando))


def marcar_alteracao(parceiros: QuerySet[Parceiro]) -> int:
    """Algo do registro público mudou sem mudar a situação (nome do RL, catálogo...).

    ``parceiros``: queryset. Sobe a ``versao_publica``: o CRC do dia é emitido de novo.
    """
    return parceiros.update(
        versao_publica=F("versao_publica") + 1, publico_alterado_em=timezone.now()
    )


def nome_do_rl_mudou(usuario: Usuario) -> None:
    """O nome do RL sai no CRC: o certificado do dia das organizações dele é renovado.

    Inscrito em ``accounts.ganchos.ao_alterar_nome`` (``ParceirosConfig.ready``).
    """
    marcar_alteracao(
        Parceiro.objects.filter(
            vinculos__usuario=usuario, vinculos__papel=Vinculo.Papel.RL, vinculos__ativo=True
        )
    )


def recalcular_todos(
    dia: date | None = None, motivo: str = "Recálculo diário", tipos: Iterable[int] | None = None
) -> int:
    """Recalcula todos os Parceiros com SQL por conjunto; devolve quantos mudaram.

    Consultas fixas, qualquer que seja o número de Parceiros: as mudanças são lidas numa
    consulta, gravadas em duas atualizações em massa e num ``bulk_create`` do histórico.
    """
    dia = dia or hoje()
    regulares = _regulares_sql(dia).order_by().values("pk")
    alvo = Parceiro.objects.all() if tipos is None else Parceiro.objects.filter(tipo__in=tipos)
    with transaction.atomic():
        viram_regular = list(
            alvo.filter(pk__in=Subquery(regulares))
            .exclude(situacao=SITUACAO.REGULAR)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        viram_irregular = list(
            alvo.exclude(pk__in=Subquery(regulares))
            .exclude(situacao=SITUACAO.IRREGULAR)
            .select_for_update()
            .values_list("pk", flat=True)
        )
        agora = timezone.now()
        # Só as linhas que mudam são escritas: regravar 100 000 linhas toda noite custaria
        # mais que o próprio cálculo.
        mais_um = F("versao_publica") + 1
        Parceiro.objects.filter(pk__in=viram_regular).update(
            situacao=SITUACAO.REGULAR,
            situacao_calculada_em=agora,
            versao_publica=mais_um,
            publico_alterado_em=agora,
        )
        Parceiro.objects.filter(pk__in=viram_irregular).update(
            situacao=SITUACAO.IRREGULAR,
            situacao_calculada_em=agora,
            versao_publica=mais_um,
            publico_alterado_em=agora,
        )
        historico = [
            HistoricoSituacao(
                parceiro_id=pk, de=SITUACAO.IRREGULAR, para=SITUACAO.REGULAR, motivo=motivo
            )
            for pk in viram_regular
        ] + [
            HistoricoSituacao(
                parceiro_id=pk, de=SITUACAO.REGULAR, para=SITUACAO.IRREGULAR, motivo=motivo
            )
            for pk in viram_irregular
        ]
        criados = HistoricoSituacao.objects.bulk_create(historico, batch_size=5000)
        ganchos.situacao_alterada(HistoricoSituacao.objects.filter(pk__in=[h.pk for h in criados]))

        avisos.avisar_irregular([h for h in criados if h.para == SITUACAO.IRREGULAR])
    if viram_regular or viram_irregular:
        transaction.on_commit(limpar_busca_pendente)
    return len(viram_regular) + len(viram_irregular)


def limpar_busca_pendente() -> None:
    """Esvazia a lista pendente do índice de trigramas da busca por nome (PostgreSQL).

    Cada linha de Parceiro gravada entra no GIN por uma lista pendente (``fastupdate``): a
    gravação em massa (importação, recálculo) fica rápida, mas **toda** busca percorre a lista
    inteira até o autovacuum a esvaziar — medido: 448 blocos lidos numa busca que depois lê 88
    (issue #15). Depois de uma gravação em massa, esvaziar de uma vez custa uma fração dela.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT gin_clean_pending_list('parceiro_busca_nome_trgm'::regclass)")
