"""Parceiros/Convenentes: catálogos, o Parceiro, seus vínculos, documentos e solicitações.

Estados (``status``/``situacao``) só mudam por ``parceiros.services``; aqui ficam os dados
e os fatos de uma linha só.
"""

import uuid
from datetime import date, timedelta
from pathlib import PurePosixPath
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Case, F, Q, QuerySet, Value, When
from django.db.models.functions import Now
from django.utils import timezone

from cagec.lib.busca import normalizar_busca
from cagec.lib.documentos import formatar_cnpj


# --- Catálogos ------------------------------------------------------------------------------
class NaturezaJuridica(models.Model):
    """Tabela de Natureza Jurídica da Receita/CONCLA (código ``NNND``, exibido ``NNN-D``)."""

    codigo = models.CharField("código", max_length=4, unique=True)
    descricao = models.CharField("descrição", max_length=200)
    categoria = models.PositiveSmallIntegerField(default=0)
    ativa = models.BooleanField(default=True)

    class Meta:
        ordering = ["codigo"]
        verbose_name = "natureza jurídica"
        verbose_name_plural = "naturezas jurídicas"

    def __str__(self) -> str:
        return f"{self.codigo_formatado} — {self.descricao}"

    @property
    def codigo_formatado(self) -> str:
        return f"{self.codigo[:3]}-{self.codigo[3:]}"


SEMENTE: dict[str, Any] = {
    "max_length": 20,
    "blank": True,
    "editable": False,
    "db_index": True,
    "help_text": "Identifica a linha da carga inicial; editar o registro não muda isto.",
}


class Genero(models.Model):
    nome = models.CharField(max_length=120, unique=True)
    semente = models.CharField(**SEMENTE)

    class Meta:
        ordering = ["nome"]
        verbose_name = "gênero"

    def __str__(self) -> str:
        return self.nome


class TipoParceiro(models.Model):
    nome = models.CharField(max_length=120, unique=True)
    semente = models.CharField(**SEMENTE)
    genero = models.ForeignKey(Genero, on_delete=models.PROTECT, verbose_name="gênero")
    naturezas = models.ManyToManyField(
        NaturezaJuridica, related_name="tipos", verbose_name="naturezas jurídicas permitidas"
    )
    ativo = models.BooleanField(default=True)

    class Meta:
        ordering = ["nome"]
        verbose_name = "tipo de parceiro"
        verbose_name_plural = "tipos de parceiro"

    def __str__(self) -> str:
        return self.nome


class GrupoObrigacao(models.Model):
    nome = models.CharField(max_length=120, unique=True)
    semente = models.CharField(**SEMENTE)
    ordem = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["ordem", "nome"]
        verbose_name = "grupo de obrigação"
        verbose_name_plural = "grupos de obrigação"

    def __str__(self) -> str:
        return self.nome


class Obrigacao(models.Model):
    class Regra(models.TextChoices):
        DATA_INFORMADA = "data_informada", "Data informada"
        FIM_MANDATO = "fim_mandato", "Fim do mandato do representante legal"
        DIAS_APOS_EMISSAO = "dias_apos_emissao", "N dias após a emissão"
        SEM_VALIDADE = "sem_validade", "Sem validade"

    grupo = models.ForeignKey(GrupoObrigacao, on_delete=models.PROTECT, related_name="obrigacoes")
    nome = models.CharField(max_length=200)
    descricao = models.TextField("descrição", blank=True)
    regra_validade = models.CharField("regra de validade", max_length=20, choices=Regra.choices)
    dias = models.PositiveSmallIntegerField(
        "dias de validade",
        null=True,
        blank=True,
        help_text="Só para a regra N dias após a emissão.",
    )
    obrigatoria = models.BooleanField("obrigatória", default=True)
    mrosc = models.BooleanField("item do MROSC", default=False)
    tipos = models.ManyToManyField(TipoParceiro, related_name="obrigacoes")
    ativa = models.BooleanField(default=True)
    ordem = models.PositiveSmallIntegerField(default=0)
    semente = models.CharField(**SEMENTE)

    class Meta:
        ordering = ["grupo__ordem", "ordem", "nome"]
        verbose_name = "obrigação"
        verbose_name_plural = "obrigações"
        constraints = [
            models.CheckConstraint(
                name="obrigacao_dias_so_na_regra_de_dias",
                condition=Q(regra_validade="dias_apos_emissao", dias__isnull=False, dias__gt=0)
                | (~Q(regra_validade="dias_apos_emissao") & Q(dias__isnull=True)),
            )
        ]

    def __str__(self) -> str:
        return self.nome

    @property
    def pede_data_validade(self) -> bool:
        return self.regra_validade == self.Regra.DATA_INFORMADA

    @property
    def pede_data_emissao(self) -> bool:
        return self.regra_validade == self.Regra.DIAS_APOS_EMISSAO


# --- Parceiro e vínculos ---------------------------------------------------------------------
class DadosReceita(models.Model):
    """Campos vindos da Receita Federal: mostrados travados, atualizados só pela consulta."""

    razao_social = models.CharField("razão social", max_length=200)
    nome_fantasia = models.CharField(max_length=200, blank=True)
    natureza_juridica = models.ForeignKey(
        NaturezaJuridica, on_delete=models.PROTECT, verbose_name="natureza jurídica"
    )
    situacao_cadastral = models.CharField("situação cadastral", max_length=40)
    data_abertura = models.DateField("data de abertura", null=True, blank=True)
    cnae_principal = models.CharField("CNAE principal", max_length=200, blank=True)
    logradouro = models.CharField(max_length=200, blank=True)
    numero = models.CharField("número", max_length=30, blank=True)
    complemento = models.CharField(max_length=200, blank=True)
    bairro = models.CharField(max_length=120, blank=True)
    cep = models.CharField("CEP", max_length=8, blank=True)
    municipio = models.CharField("município", max_length=120)
    uf = models.CharField("UF", max_length=2)
    email_receita = models.CharField("e-mail na Receita", max_length=254, blank=True)
    telefone_receita = models.CharField("telefone na Receita", max_length=40, blank=True)
    receita_consultada_em = models.DateTimeField("dados da Receita de", default=timezone.now)
    receita_bruto = models.JSONField("resposta da Receita", default=dict, blank=True)

    class Meta:
        abstract = True

    @property
    def endereco(self) -> str:
        partes = [self.logradouro, self.numero, self.complemento, self.bairro]
        linha = ", ".join(p for p in partes if p)
        return f"{linha} — {self.municipio}/{self.uf}" if linha else f"{self.municipio}/{self.uf}"


class Parceiro(DadosReceita):
    """Organização no CAGEC. Existe a partir da aprovação da inscrição (ou da importação)."""

    class Situacao(models.TextChoices):
        REGULAR = "regular", "Regular"
        IRREGULAR = "irregular", "Irregular"

    cnpj = models.CharField("CNPJ", max_length=14, unique=True)
    numero_cadastro = models.PositiveIntegerField("número de cadastro", unique=True, null=True)
    tipo = models.ForeignKey(TipoParceiro, on_delete=models.PROTECT, verbose_name="tipo")
    site = models.URLField("endereço internet (site)", max_length=200, blank=True)
    email_institucional = models.EmailField("e-mail institucional", blank=True)
    telefone = models.CharField(max_length=11, blank=True)
    situacao = models.CharField(
        "situação", max_length=10, choices=Situacao.choices, default=Situacao.IRREGULAR
    )
    situacao_calculada_em = models.DateTimeField("situação desde", null=True, blank=True)
    # Campos mantidos pelo Estado (admin, auditados).
    situacao_mrosc = models.CharField("situação MROSC", max_length=120, blank=True)
    cadin_bloqueado = models.BooleanField("bloqueado no CADIN-MG", default=False)
    siafi_bloqueado = models.BooleanField("bloqueado no SIAFI-MG", default=False)
    motivo_impedimento = models.CharField("motivo do impedimento", max_length=300, blank=True)
    # Sobe a cada recálculo da situação (que segue toda mudança no cadastro): o CRC do dia
    # com a mesma versão é reaproveitado sem recalcular nada (declaracoes.crc).
    versao_publica = models.PositiveIntegerField("versão do registro público", default=0)
    # Quando o registro público mudou pela última vez: sobe junto com ``versao_publica``
    # (``situacao``). A API ordena por ele (com o id) para a sincronização por cursor.
    publico_alterado_em = models.DateTimeField(
        "dados públicos alterados em", db_default=Now(), editable=False
    )
    # Colunas derivadas para a consulta pública (sem acentos, caixa alta); ver save().
    busca_nome = models.TextField("nome para busca", blank=True, editable=False)
    busca_municipio = models.CharField(
        "município para busca", max_length=120, blank=True, editable=False, db_index=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    CAMPOS_DA_BUSCA = {"razao_social", "nome_fantasia", "municipio"}

    class Meta:
        ordering = ["razao_social"]
        verbose_name = "parceiro"
        # A consulta pública ordena pelo nome normalizado (ordem alfabética sem acentos):
        # com um termo comum, o PostgreSQL percorre este índice (só o índice, estreito: com
        # os filtros da consulta incluídos, sem ir à tabela) e para nos primeiros em vez de
        # ordenar milhares; termos raros vão pelo de trigramas. A página pede só os ids por
        # ele e depois as linhas (``declaracoes.consulta.ids_da_busca``).
        indexes = [
            models.Index(
                fields=["busca_nome", "id"],
                include=["busca_municipio", "tipo", "situacao"],
                name="parceiro_busca_nome_cobre",
            ),
            models.Index(fields=["publico_alterado_em", "id"], name="parceiro_publico_alterado"),
        ]

    def __str__(self) -> str:
        return f"{self.razao_social} ({self.cnpj_formatado})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Mantém as colunas de busca em dia (fato de uma linha, não regra de negócio)."""
        self.busca_nome, self.busca_municipio = self.textos_de_busca(
            self.razao_social, self.nome_fantasia, self.municipio
        )
        campos = kwargs.get("update_fields")
        if campos is None and not self._state.adding:
            # ``versao_publica`` só sobe por ``situacao.recalcular`` (com F() + 1): uma
            # instância antiga salva inteira não pode voltá-la para um valor já usado (nem
            # voltar ``publico_alterado_em``, que sobe junto).
            campos = [f.name for f in self._meta.concrete_fields if not f.primary_key]
            campos.remove("versao_publica")
            campos.remove("publico_alterado_em")
        if campos is not None and self.CAMPOS_DA_BUSCA & set(campos):
            campos = {*campos, "busca_nome", "busca_municipio"}
        kwargs["update_fields"] = campos
        super().save(*args, **kwargs)

    @staticmethod
    def textos_de_busca(
        razao_social: str, nome_fantasia: str | None, municipio: str
    ) -> tuple[str, str]:
        """(busca_nome, busca_municipio); cargas em massa (COPY, importação) usam direto."""
        nome = normalizar_busca(f"{razao_social} | {nome_fantasia or ''}")
        return nome, normalizar_busca(municipio)

    @property
    def cnpj_formatado(self) -> str:
        return formatar_cnpj(self.cnpj)

    @property
    def genero(self) -> Genero:
        return self.tipo.genero

    @property
    def possui_impedimento(self) -> bool:
        return self.cadin_bloqueado or self.siafi_bloqueado


class Vinculo(models.Model):
    """Uma pessoa ligada a um Parceiro como Representante Legal (RL) ou Responsável (RI)."""

    class Papel(models.TextChoices):
        RL = "rl", "Representante Legal"
        RI = "ri", "Responsável pelas Informações"

    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="vinculos"
    )
    parceiro = models.ForeignKey(Parceiro, on_delete=models.PROTECT, related_name="vinculos")
    papel = models.CharField(max_length=2, choices=Papel.choices)
    cargo = models.CharField(max_length=120, blank=True)
    mandato_inicio = models.DateField("início do mandato", null=True, blank=True)
    mandato_fim = models.DateField("fim do mandato", null=True, blank=True)
    ativo = models.BooleanField(default=True)
    criado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # RI incluído pelo RL pelo CPF: vazio até a pessoa confirmar no painel. Até lá os outros
    # veem só "Maria S. O." e o CPF mascarado (issue #11). Os demais vínculos nascem aceitos.
    aceito_em = models.DateTimeField("confirmado pela pessoa em", null=True, default=timezone.now)
    encerrado_em = models.DateTimeField(null=True, blank=True)
    encerrado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-ativo", "papel", "-created_at"]
        verbose_name = "vínculo"
        constraints = [
            models.UniqueConstraint(
                fields=["parceiro"],
                condition=Q(papel="rl", ativo=True),
                name="um_rl_ativo_por_parceiro",
            ),
            models.UniqueConstraint(
                fields=["parceiro", "usuario", "papel"],
                condition=Q(ativo=True),
                name="vinculo_ativo_unico_por_pessoa_e_papel",
            ),
            models.CheckConstraint(
                name="vinculo_mandato_fim_depois_do_inicio",
                condition=Q(mandato_fim__isnull=True)
                | Q(mandato_inicio__isnull=True)
                | Q(mandato_fim__gte=models.F("mandato_inicio")),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_papel_display()}: {self.usuario} em {self.parceiro}"


# --- Solicitações ----------------------------------------------------------------------------
class Solicitacao(models.Model):
    """Um pedido de mudança no cadastro; o ciclo de vida está em ``parceiros.services``."""

    class Tipo(models.TextChoices):
        INSCRICAO = "inscricao", "Inscrição de Parceiro/Convenente"
        DADOS = "dados", "Atualização de dados"
        DOCUMENTOS = "documentos", "Atualização de documentos"
        VINCULACAO_RL = "vinculacao_rl", "Vinculação/alteração de Representante Legal"
        INSCRICAO_RI = "inscricao_ri", "Inscrição como Responsável pelas Informações"

    class Status(models.TextChoices):
        RASCUNHO = "rascunho", "Rascunho"
        AGUARDANDO_ASSINATURA = "aguardando_assinatura", "Aguardando assinatura"
        EM_ANALISE = "em_analise", "Em análise"
        APROVADA = "aprovada", "Aprovada"
        APROVADA_PARCIALMENTE = "aprovada_parcialmente", "Aprovada parcialmente"
        DEVOLVIDA = "devolvida", "Devolvida para correção"
        REPROVADA = "reprovada", "Reprovada"
        CANCELADA = "cancelada", "Cancelada"

    tipo = models.CharField(max_length=20, choices=Tipo.choices)
    status = models.CharField(max_length=25, choices=Status.choices, default=Status.RASCUNHO)
    solicitante = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="solicitacoes"
    )
    parceiro = models.ForeignKey(
        Parceiro, on_delete=models.PROTECT, null=True, blank=True, related_name="solicitacoes"
    )
    cnpj = models.CharField("CNPJ", max_length=14)
    # Quem assina a declaração: o RL do Parceiro (ou o RL indicado na inscrição/vinculação).
    representante_legal = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="solicitacoes_para_assinar",
        verbose_name="representante legal",
    )
    # O que a solicitação propõe: dados da Receita, tipo, contatos, cargo e mandato.
    dados = models.JSONField(default=dict, blank=True)
    passo = models.CharField(max_length=20, blank=True)
    motivo = models.TextField("motivo da última decisão", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    enviada_em = models.DateTimeField("enviada para análise em", null=True, blank=True)
    # Aviso de "será cancelada por falta de alteração" (rotina noturna); vale para o período
    # parado atual enquanto for posterior a ``updated_at``.
    aviso_inatividade_em = models.DateTimeField(
        "aviso de inatividade enviado em", null=True, blank=True
    )
    # Quando o RL indicado por CPF aceitou (ou assinou). Até lá, quem digitou o CPF vê só
    # "Maria S. O." e o CPF mascarado (issue #11: nada de oráculo CPF → nome).
    representante_aceite_em = models.DateTimeField(
        "indicação aceita pelo representante legal em", null=True, blank=True
    )

    class Meta:
        ordering = ["-updated_at"]
        verbose_name = "solicitação"
        verbose_name_plural = "solicitações"
        permissions = [("analisar_solicitacao", "Pode analisar e decidir solicitações")]
        indexes = [models.Index(fields=["status", "enviada_em"], name="solicitacao_fila")]

    def __str__(self) -> str:
        return f"{self.get_tipo_display()} nº {self.pk} — {formatar_cnpj(self.cnpj)}"

    @property
    def cnpj_formatado(self) -> str:
        return formatar_cnpj(self.cnpj)

    @property
    def nome_parceiro(self):
        if self.parceiro_id:
            return self.parceiro.razao_social
        return (self.dados.get("receita") or {}).get("razao_social", "")

    @property
    def editavel(self) -> bool:
        return self.status in (self.Status.RASCUNHO, self.Status.DEVOLVIDA)

    @property
    def antes_da_analise(self) -> bool:
        """Ainda não foi enviada à análise: os documentos aparecem só como anexados."""
        return self.status in (self.Status.RASCUNHO, self.Status.AGUARDANDO_ASSINATURA)

    @property
    def aguarda_aceite_do_rl(self) -> bool:
        """O RL foi indicado por outra pessoa (pelo CPF) e ainda não aceitou nem recusou."""
        return bool(
            self.representante_legal_id
            and self.representante_legal_id != self.solicitante_id
            and self.representante_aceite_em is None
        )

    @property
    def documentos_atuais(self) -> "QuerySet[Documento]":
        """Os anexos que valem nesta solicitação (sem os trocados depois de uma devolução)."""
        return self.documentos.exclude(status=Documento.Status.SUBSTITUIDO)


class TransicaoSolicitacao(models.Model):
    """Linha do tempo: quem levou a solicitação de um status a outro, quando e por quê."""

    solicitacao = models.ForeignKey(
        Solicitacao, on_delete=models.CASCADE, related_name="transicoes"
    )
    de = models.CharField(max_length=25, choices=Solicitacao.Status.choices, blank=True)
    para = models.CharField(max_length=25, choices=Solicitacao.Status.choices)
    usuario = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True)
    motivo = models.TextField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = "transição de solicitação"
        verbose_name_plural = "transições de solicitação"

    def __str__(self) -> str:
        return f"{self.get_de_display() or 'início'} → {self.get_para_display()}"


# --- Documentos ------------------------------------------------------------------------------
def caminho_documento(instancia: "Documento | None", nome_original: str) -> str:
    """Nome aleatório, sem nada do nome enviado além da extensão já conferida."""
    extensao = PurePosixPath(nome_original).suffix.lower()
    agora = timezone.now()
    return f"documentos/{agora:%Y/%m}/{uuid.uuid4().hex}{extensao}"


# Vencimento efetivo de um documento de ``fim_mandato`` sem mandato em curso (vínculo
# encerrado ou sem fim): já venceu, e não há data a mostrar.
VENCIDO_SEM_DATA = date.min


class DocumentoQuerySet(models.QuerySet):
    """A regra de validade de documento (produto.md §4), escrita uma vez só.

    Situação (um Parceiro e todos de uma vez), avisos de vencimento, CRC e pasta digital
    leem esta anotação; ninguém mais decide quando um documento vence.
    """

    def com_vencimento_efetivo(self, dia=None):
        """Anota ``vencimento_efetivo``: ``data_informada`` e ``dias_apos_emissao`` vencem em
        ``vence_em`` (gravado no envio); ``fim_mandato`` vence com o mandato do RL a que foi
        aprovado enquanto esse vínculo está ativo (encerrado ou sem fim: ``VENCIDO_SEM_DATA``);
        ``sem_validade`` não vence (``None``). Com ``dia``, anota também ``vigente``: o
        documento vale até o dia do vencimento, inclusive."""
        # ``vence_em`` é nulo em ``fim_mandato`` e ``sem_validade`` (restrição no banco).
        vencimento = Case(
            When(
                Q(regra_validade=Obrigacao.Regra.FIM_MANDATO),
                then=Case(
                    When(
                        vinculo__ativo=True,
                        vinculo__mandato_fim__isnull=False,
                        then=F("vinculo__mandato_fim"),
                    ),
                    default=Value(VENCIDO_SEM_DATA),
                ),
            ),
            default=F("vence_em"),
            output_field=models.DateField(),
        )
        consulta = self.annotate(vencimento_efetivo=vencimento)
        if dia is None:
            return consulta
        return consulta.annotate(
            vigente=Case(
                When(
                    Q(vencimento_efetivo__isnull=True) | Q(vencimento_efetivo__gte=dia),
                    then=Value(True),
                ),
                default=Value(False),
                output_field=models.BooleanField(),
            )
        )

    def vigentes_em(self, dia):
        """Documentos aprovados que valem em ``dia``."""
        return self.com_vencimento_efetivo(dia).filter(
            status=Documento.Status.APROVADO, vigente=True
        )


class Documento(models.Model):
    class Status(models.TextChoices):
        EM_ANALISE = "em_analise", "Em análise"
        APROVADO = "aprovado", "Aprovado"
        REPROVADO = "reprovado", "Reprovado"
        SUBSTITUIDO = "substituido", "Substituído"

    obrigacao = models.ForeignKey(Obrigacao, on_delete=models.PROTECT, verbose_name="obrigação")
    parceiro = models.ForeignKey(
        Parceiro, on_delete=models.PROTECT, null=True, blank=True, related_name="documentos"
    )
    solicitacao = models.ForeignKey(
        Solicitacao, on_delete=models.PROTECT, null=True, blank=True, related_name="documentos"
    )
    arquivo = models.FileField(upload_to=caminho_documento, max_length=200)
    nome_original = models.CharField("nome do arquivo", max_length=200)
    content_type = models.CharField("tipo", max_length=40)
    tamanho = models.PositiveIntegerField()
    sha256 = models.CharField("SHA-256", max_length=64, db_index=True)
    data_emissao = models.DateField("data de emissão", null=True, blank=True)
    data_validade = models.DateField("data de validade", null=True, blank=True)
    # Regra da obrigação no envio e o vencimento dela decorrente: mudar o catálogo depois
    # não reescreve a validade de documentos já enviados. ``vence_em`` é a data do próprio
    # documento (``data_informada``, ``dias_apos_emissao``), gravada só no envio; nula em
    # ``fim_mandato`` (vence com o mandato do ``vinculo``, lido na hora) e ``sem_validade``.
    # Quando vence, de fato: ``Documento.objects.com_vencimento_efetivo()``.
    regra_validade = models.CharField(
        "regra de validade", max_length=20, choices=Obrigacao.Regra.choices
    )
    vence_em = models.DateField("vence em", null=True, blank=True)
    # ``fim_mandato``: o mandato (vínculo de RL) a que o documento foi aprovado; vale
    # enquanto esse vínculo estiver ativo e no prazo. Troca de RL exige documentos novos.
    vinculo = models.ForeignKey(
        "Vinculo",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="documentos_do_mandato",
        verbose_name="mandato",
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.EM_ANALISE)
    motivo_reprovacao = models.TextField("motivo da reprovação", blank=True)
    enviado_por = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT)
    created_at = models.DateTimeField(auto_now_add=True)

    class Parecer(models.TextChoices):
        APROVAR = "aprovar", "Aprovar"
        REPROVAR = "reprovar", "Reprovar"

    # Parecer do analista, aplicado quando a solicitação é decidida.
    parecer = models.CharField(max_length=10, choices=Parecer.choices, blank=True)
    analisado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    analisado_em = models.DateTimeField(null=True, blank=True)

    objects = DocumentoQuerySet.as_manager()

    class Meta:
        ordering = ["obrigacao__grupo__ordem", "obrigacao__ordem", "-created_at"]
        verbose_name = "documento"
        constraints = [
            models.UniqueConstraint(
                fields=["solicitacao", "obrigacao"],
                condition=~Q(status="substituido"),
                name="um_documento_por_obrigacao_na_solicitacao",
            ),
            models.CheckConstraint(
                condition=Q(regra_validade__in=["data_informada", "dias_apos_emissao"])
                | Q(vence_em__isnull=True),
                name="documento_vence_em_so_com_data_do_documento",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.obrigacao} — {self.nome_original}"

    @property
    def aprovado_na_analise(self) -> bool:
        return self.parecer == self.Parecer.APROVAR

    @property
    def reprovado_na_analise(self) -> bool:
        return self.parecer == self.Parecer.REPROVAR

    @staticmethod
    def vencimento(
        obrigacao: Obrigacao, *, data_emissao: date | None = None, data_validade: date | None = None
    ) -> date | None:
        """``vence_em`` de um documento novo: a data que ele mesmo traz (``None``: não vence
        ou segue o mandato do RL, lido em ``com_vencimento_efetivo``)."""
        regra = obrigacao.regra_validade
        if regra == Obrigacao.Regra.DATA_INFORMADA:
            return data_validade
        if regra == Obrigacao.Regra.DIAS_APOS_EMISSAO and data_emissao:
            assert obrigacao.dias is not None  # restrição obrigacao_dias_so_na_regra_de_dias
            return data_emissao + timedelta(days=obrigacao.dias)
        return None


# --- Situação e avisos -----------------------------------------------------------------------
class HistoricoSituacao(models.Model):
    """Cada mudança de situação de um Parceiro (Regular ↔ Irregular)."""

    parceiro = models.ForeignKey(Parceiro, on_delete=models.CASCADE, related_name="historico")
    de = models.CharField(max_length=10, choices=Parceiro.Situacao.choices)
    para = models.CharField(max_length=10, choices=Parceiro.Situacao.choices)
    motivo = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "mudança de situação"
        verbose_name_plural = "histórico de situação"

    def __str__(self) -> str:
        return f"{self.parceiro_id}: {self.get_de_display()} → {self.get_para_display()}"


class AvisoVencimento(models.Model):
    """Aviso de documento a vencer já enviado: a restrição única impede repetir."""

    documento = models.ForeignKey(Documento, on_delete=models.CASCADE, related_name="avisos")
    dias = models.PositiveSmallIntegerField()
    vence_em = models.DateField()
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = "aviso de vencimento"
        verbose_name_plural = "avisos de vencimento"
        constraints = [
            models.UniqueConstraint(
                fields=["documento", "dias", "vence_em"], name="um_aviso_por_prazo"
            )
        ]

    def __str__(self) -> str:
        return f"{self.documento_id}: {self.dias} dias"


class MotivoPadrao(models.Model):
    """Texto pronto de motivo que o analista escolhe ao decidir (editável no admin)."""

    titulo = models.CharField("título", max_length=120, unique=True)
    texto = models.TextField()
    ativo = models.BooleanField(default=True)

    class Meta:
        ordering = ["titulo"]
        verbose_name = "motivo padrão"
        verbose_name_plural = "motivos padrão"

    def __str__(self) -> str:
        return self.titulo


class Sequencia(models.Model):
    """Contador travado com SELECT ... FOR UPDATE (número de cadastro sequencial)."""

    nome = models.CharField(max_length=40, primary_key=True)
    ultimo = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "sequência"

    def __str__(self) -> str:
        return f"{self.nome}: {self.ultimo}"


def caminho_importacao(instancia: "ImportacaoCadastro", nome_original: str) -> str:
    """Nome aleatório: o nome enviado só vale pela extensão (já conferida no formulário)."""
    extensao = PurePosixPath(nome_original).suffix.lower()
    return f"importacoes/{timezone.now():%Y/%m}/{uuid.uuid4().hex}{extensao}"


class ImportacaoCadastro(models.Model):
    """Uma carga de pessoas, organizações e vínculos de RL vinda do sistema anterior.

    O ciclo de vida (e as contagens) está em ``parceiros/importacao/``.
    """

    class Status(models.TextChoices):
        AGUARDANDO = "aguardando", "Aguardando validação"
        VALIDANDO = "validando", "Validando"
        PRONTA = "pronta", "Pronta para confirmar"
        IMPORTANDO = "importando", "Importando"
        CONCLUIDA = "concluida", "Concluída"
        FALHOU = "falhou", "Falhou"

    arquivo = models.FileField(upload_to=caminho_importacao, max_length=200)
    nome = models.CharField("nome do arquivo", max_length=200)
    # Opcional: as colunas das organizações num segundo arquivo, ligado ao primeiro pelo CNPJ.
    arquivo_organizacoes = models.FileField(
        upload_to=caminho_importacao, max_length=200, blank=True
    )
    nome_organizacoes = models.CharField(
        "nome do arquivo de organizações", max_length=200, blank=True
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.AGUARDANDO)
    # Prévia (simulação, sem gravar) e resultado da importação: contagens por grupo.
    contagens = models.JSONField("contagens da prévia", default=dict, blank=True)
    resultado = models.JSONField("contagens da importação", default=dict, blank=True)
    primeiros_erros = models.JSONField(default=list, blank=True)
    total_erros = models.PositiveIntegerField(default=0)
    arquivo_erros = models.FileField(upload_to=caminho_importacao, max_length=200, blank=True)
    mensagem = models.TextField("mensagem", blank=True)
    processadas = models.PositiveIntegerField("linhas processadas", default=0)
    total = models.PositiveIntegerField("linhas no arquivo", default=0)
    criado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    confirmado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("enviada em", default=timezone.now)
    iniciada_em = models.DateTimeField("importação iniciada em", null=True, blank=True)
    concluida_em = models.DateTimeField("concluída em", null=True, blank=True)
    # Batimento da gravação: cada lote gravado (e cada espera pela trava) carimba a hora.
    # Importando sem progresso há ``IMPORTACAO_SEM_PROGRESSO`` é retomada pelo beat.
    progresso_em = models.DateTimeField("último progresso em", null=True, blank=True)
    # Contagens de cada lote já gravado, na mesma transação do lote: a retomada pula esses
    # lotes e o resultado final soma todos (não só os da última passada).
    lotes = models.JSONField("contagens por lote gravado", default=dict, blank=True)
    retomadas = models.PositiveIntegerField("retomadas", default=0)

    class Meta:
        verbose_name = "importação de cadastro"
        verbose_name_plural = "importações de cadastro"
        ordering = ["-created_at", "-pk"]
        # Nasceu em ``accounts``; veio para cá com a importação sem copiar a tabela.
        db_table = "accounts_importacaocadastro"

    def __str__(self) -> str:
        return f"Importação nº {self.pk} — {self.nome}"

    @property
    def em_andamento(self) -> bool:
        return self.status in (
            self.Status.AGUARDANDO,
            self.Status.VALIDANDO,
            self.Status.IMPORTANDO,
        )

    @property
    def falhou(self) -> bool:
        return self.status == self.Status.FALHOU

    @property
    def percentual(self) -> int:
        return min(100, round(100 * self.processadas / self.total)) if self.total else 0
