"""Declarações assinadas (e, no futuro, o CRC): texto, evidências da assinatura, PDF."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cagec.lib.codigos import formatar_codigo
from cagec.lib.documentos import formatar_cnpj, mascarar_cpf


def caminho_pdf(instancia: "Declaracao", nome: str) -> str:
    return f"declaracoes/{timezone.now():%Y/%m}/{instancia.codigo}.pdf"


class Declaracao(models.Model):
    """Declaração assinada pelo Representante Legal; imutável depois de criada.

    Guarda as evidências da assinatura (quem, quando, IP, navegador, método, SHA-256 do
    texto exato assinado) e o PDF com o seu SHA-256. Só a revogação muda depois.
    """

    class Tipo(models.TextChoices):
        AUTENTICIDADE = "autenticidade", "Declaração de Autenticidade dos Documentos Apresentados"

    class Metodo(models.TextChoices):
        SENHA = "senha", "Usuário e senha"

    tipo = models.CharField(max_length=20, choices=Tipo.choices, default=Tipo.AUTENTICIDADE)
    solicitacao = models.ForeignKey(
        "parceiros.Solicitacao", on_delete=models.PROTECT, related_name="declaracoes"
    )
    cnpj = models.CharField("CNPJ", max_length=14)
    razao_social = models.CharField("razão social", max_length=200)
    signatario = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="declaracoes_assinadas"
    )
    signatario_nome = models.CharField("nome do signatário", max_length=150)
    signatario_cpf = models.CharField("CPF do signatário", max_length=11)
    texto = models.TextField("texto assinado")
    sha256_texto = models.CharField("SHA-256 do texto", max_length=64)
    assinada_em = models.DateTimeField(default=timezone.now)
    ip = models.GenericIPAddressField(null=True, blank=True)
    user_agent = models.CharField("navegador", max_length=300, blank=True)
    metodo = models.CharField("método", max_length=10, choices=Metodo.choices, default=Metodo.SENHA)
    codigo = models.CharField("código de verificação", max_length=16, unique=True)
    pdf = models.FileField(upload_to=caminho_pdf, max_length=200, blank=True)
    sha256_pdf = models.CharField("SHA-256 do PDF", max_length=64, blank=True, db_index=True)
    # Parte fixa da página de verificação, gravada na emissão (``declaracoes.verificacao``).
    resumo_html = models.TextField("resumo da verificação (HTML)", blank=True, editable=False)
    revogada_em = models.DateTimeField(null=True, blank=True)
    revogada_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    motivo_revogacao = models.TextField("motivo da revogação", blank=True)

    class Meta:
        ordering = ["-assinada_em"]
        verbose_name = "declaração"
        verbose_name_plural = "declarações"

    def __str__(self) -> str:
        return f"{self.get_tipo_display()} — {self.codigo_formatado}"

    @property
    def codigo_formatado(self) -> str:
        return formatar_codigo(self.codigo)

    @property
    def cnpj_formatado(self) -> str:
        return formatar_cnpj(self.cnpj)

    @property
    def cpf_mascarado(self) -> str:
        return mascarar_cpf(self.signatario_cpf)


def caminho_crc(instancia: "Certificado", nome: str) -> str:
    return f"crc/{timezone.localdate():%Y/%m}/{instancia.codigo}.pdf"


class Certificado(models.Model):
    """CRC (Certificado de Registro Cadastral) emitido para um Parceiro; imutável.

    Guarda o retrato (``snapshot``) de tudo o que o PDF mostra, o PDF e o seu SHA-256.
    ``chave`` é o SHA-256 do retrato sem a hora de emissão: no mesmo dia, mesma chave,
    mesmo certificado. ``versao`` é a ``Parceiro.versao_publica`` vista na emissão (atalho
    para reemitir sem recalcular). Só a revogação muda depois.
    """

    parceiro = models.ForeignKey(
        "parceiros.Parceiro", on_delete=models.PROTECT, related_name="certificados"
    )
    codigo = models.CharField("código de verificação", max_length=16, unique=True)
    emitido_em = models.DateTimeField("emitido em", default=timezone.now)
    dia = models.DateField("dia da emissão")
    versao = models.PositiveIntegerField("versão do registro público")
    chave = models.CharField("SHA-256 do retrato", max_length=64)
    situacao = models.CharField("situação na emissão", max_length=10)
    snapshot = models.JSONField("retrato da situação e dos itens")
    pdf = models.FileField(upload_to=caminho_crc, max_length=200)
    sha256_pdf = models.CharField("SHA-256 do PDF", max_length=64, db_index=True)
    # Parte fixa da página de verificação, gravada na emissão (``declaracoes.verificacao``).
    resumo_html = models.TextField("resumo da verificação (HTML)", blank=True, editable=False)
    revogado_em = models.DateTimeField(null=True, blank=True)
    revogado_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    motivo_revogacao = models.TextField("motivo da revogação", blank=True)

    class Meta:
        ordering = ["-emitido_em"]
        verbose_name = "CRC emitido"
        verbose_name_plural = "CRCs emitidos"
        indexes = [models.Index(fields=["parceiro", "dia", "versao"], name="crc_reemissao")]
        constraints = [
            # Duas emissões simultâneas do mesmo retrato no mesmo dia: uma só fica.
            models.UniqueConstraint(
                fields=["parceiro", "dia", "chave"],
                condition=models.Q(revogado_em__isnull=True),
                name="crc_um_por_retrato_e_dia",
            )
        ]

    def __str__(self) -> str:
        return f"CRC {self.codigo_formatado} — {self.snapshot.get('razao_social', '')}"

    @property
    def codigo_formatado(self) -> str:
        return formatar_codigo(self.codigo)


def caminho_dados_abertos(instancia: "ArquivoDadosAbertos", nome: str) -> str:
    return f"dados-abertos/{instancia.nome_para_baixar}"


class ArquivoDadosAbertos(models.Model):
    """Um arquivo de dados abertos publicado (``declaracoes.dados_abertos``): um por dia e
    formato, com o tamanho, as linhas e o SHA-256 calculados na gravação."""

    class Formato(models.TextChoices):
        CSV = "csv", "CSV"
        JSONL = "jsonl", "JSON Lines"

    dia = models.DateField("dia da geração")
    formato = models.CharField(max_length=5, choices=Formato.choices)
    gerado_em = models.DateTimeField("gerado em", default=timezone.now)
    arquivo = models.FileField(upload_to=caminho_dados_abertos, max_length=200)
    tamanho = models.PositiveBigIntegerField("tamanho (bytes)")
    linhas = models.PositiveIntegerField("linhas de dados")
    sha256 = models.CharField("SHA-256", max_length=64)

    class Meta:
        ordering = ["-dia", "formato"]
        verbose_name = "arquivo de dados abertos"
        verbose_name_plural = "arquivos de dados abertos"
        constraints = [
            models.UniqueConstraint(fields=["dia", "formato"], name="dados_abertos_um_por_dia")
        ]

    def __str__(self) -> str:
        return self.nome_para_baixar

    @property
    def nome_para_baixar(self) -> str:
        return f"cagec-parceiros-{self.dia:%Y-%m-%d}.{self.formato}"
