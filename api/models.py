"""Chaves de API, uso diário por chave, webhooks e as entregas dos webhooks (caixa de saída).

A chave é mostrada uma vez, na criação; o banco guarda o prefixo visível e o SHA-256 do
segredo (um token aleatório de 256 bits, não uma senha: um hash rápido basta). O segredo do
webhook assina as entregas (HMAC-SHA256) e por isso fica guardado; também é mostrado uma vez.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class ChaveApi(models.Model):
    nome = models.CharField("nome do cliente", max_length=120)
    contato_email = models.EmailField("e-mail de contato", blank=True)
    contato_telefone = models.CharField("telefone de contato", max_length=30, blank=True)
    limite_por_minuto = models.PositiveIntegerField("limite de chamadas por minuto", default=120)
    prefixo = models.CharField("prefixo", max_length=16, unique=True, editable=False)
    hash_segredo = models.CharField(max_length=64, unique=True, editable=False)
    criada_em = models.DateTimeField("criada em", default=timezone.now, editable=False)
    criada_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="criada por",
    )
    revogada_em = models.DateTimeField("revogada em", null=True, blank=True, editable=False)
    revogada_por = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="revogada por",
    )
    ultimo_uso_em = models.DateTimeField("último uso", null=True, blank=True, editable=False)

    class Meta:
        ordering = ["nome", "pk"]
        verbose_name = "chave de API"
        verbose_name_plural = "chaves de API"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(contato_email="", contato_telefone=""),
                name="chaveapi_tem_contato",
                violation_error_message="Informe um e-mail ou um telefone de contato.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.nome} ({self.prefixo}…)"

    @property
    def ativa(self) -> bool:
        return self.revogada_em is None


class UsoDiarioChaveApi(models.Model):
    chave = models.ForeignKey(ChaveApi, on_delete=models.CASCADE, related_name="usos")
    dia = models.DateField()
    chamadas = models.PositiveBigIntegerField(default=0)

    class Meta:
        ordering = ["-dia", "chave_id"]
        verbose_name = "uso diário de chave de API"
        verbose_name_plural = "uso diário das chaves de API"
        constraints = [
            models.UniqueConstraint(fields=["chave", "dia"], name="uso_diario_um_por_chave_e_dia")
        ]

    def __str__(self) -> str:
        return f"{self.chave_id} em {self.dia:%d/%m/%Y}: {self.chamadas}"


class DobraDeUso(models.Model):
    """Cada lote de contadores do Redis já somado ao banco (a dobra nunca soma duas vezes)."""

    lote = models.CharField(max_length=200, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return self.lote


class Evento(models.TextChoices):
    SITUACAO = "parceiro.situacao_alterada", "Situação do Parceiro alterada"
    IMPEDIMENTO = "parceiro.impedimento_alterado", "Impedimento do Parceiro alterado"


def todos_os_eventos() -> list[str]:
    return list(Evento.values)


class Webhook(models.Model):
    chave = models.ForeignKey(ChaveApi, on_delete=models.PROTECT, related_name="webhooks")
    url = models.URLField("URL", max_length=500)
    segredo = models.CharField(max_length=64, editable=False)
    eventos = models.JSONField(default=todos_os_eventos)
    ativo = models.BooleanField(default=True)
    criado_em = models.DateTimeField("criado em", default=timezone.now, editable=False)

    class Meta:
        ordering = ["chave_id", "pk"]
        verbose_name = "webhook"
        verbose_name_plural = "webhooks"

    def __str__(self) -> str:
        return self.url


class EntregaWebhook(models.Model):
    """Uma notificação para um webhook: gravada na transação da mudança, enviada depois."""

    class Status(models.TextChoices):
        PENDENTE = "pendente", "Pendente"
        ENVIANDO = "enviando", "Enviando"
        ENTREGUE = "entregue", "Entregue"
        FALHOU = "falhou", "Falhou (desistimos)"
        CANCELADA = "cancelada", "Cancelada (chave revogada ou webhook desativado)"

    webhook = models.ForeignKey(Webhook, on_delete=models.PROTECT, related_name="entregas")
    evento = models.CharField(max_length=40, choices=Evento.choices)
    parceiro = models.ForeignKey("parceiros.Parceiro", on_delete=models.PROTECT, related_name="+")
    cnpj = models.CharField(max_length=14)
    situacao_anterior = models.CharField(max_length=10)
    situacao = models.CharField(max_length=10)
    cadin_bloqueado = models.BooleanField()
    siafi_bloqueado = models.BooleanField()
    motivo_impedimento = models.CharField(max_length=300, blank=True)
    versao = models.PositiveIntegerField()
    ocorrido_em = models.DateTimeField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDENTE)
    tentativas = models.PositiveIntegerField(default=0)
    proxima_tentativa_em = models.DateTimeField(default=timezone.now)
    reivindicacao = models.UUIDField(null=True, blank=True, default=None)
    reivindicado_em = models.DateTimeField(null=True, blank=True)
    ultimo_codigo = models.PositiveIntegerField("último código HTTP", null=True, blank=True)
    ultima_resposta = models.CharField("última resposta", max_length=500, blank=True)
    ultimo_erro = models.CharField("último erro", max_length=500, blank=True)
    entregue_em = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = "entrega de webhook"
        verbose_name_plural = "entregas de webhooks"
        indexes = [
            models.Index(fields=["status", "proxima_tentativa_em"], name="entrega_webhook_fila"),
        ]

    def __str__(self) -> str:
        return f"{self.evento} → {self.webhook_id} ({self.get_status_display()})"
