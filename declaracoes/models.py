"""Declarações assinadas (e, no futuro, o CRC): texto, evidências da assinatura, PDF."""

from django.conf import settings
from django.db import models
from django.utils import timezone

from cagec.lib.codigos import formatar_codigo


def caminho_pdf(instancia, nome):
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
    revogada_em = models.DateTimeField(null=True, blank=True)
    revogada_por = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    motivo_revogacao = models.TextField("motivo da revogação", blank=True)

    class Meta:
        ordering = ["-assinada_em"]
        verbose_name = "declaração"
        verbose_name_plural = "declarações"

    def __str__(self):
        return f"{self.get_tipo_display()} — {self.codigo_formatado}"

    @property
    def codigo_formatado(self):
        return formatar_codigo(self.codigo)
