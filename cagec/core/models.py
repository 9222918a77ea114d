"""Modelos de infraestrutura usados por todos os apps (regra 13 de ``arquitetura.md``).

- ``TokenAcesso``: link de uso único que sai por e-mail (o segredo nasce na entrega);
- ``EmailSaida``: a caixa de saída (``cagec.lib.emails``);
- ``RegistroAuditoria``: a trilha somente inclusão (``cagec.lib.auditoria``).

Vieram de ``accounts`` sem trocar de tabela: ``db_table`` mantém os nomes antigos, com dados,
índices e o gatilho que recusa UPDATE/DELETE na auditoria. O usuário entra só por
``settings.AUTH_USER_MODEL`` (o padrão do próprio Django): nada aqui importa um app.

Rótulos da auditoria: cada app registra os seus no ``AppConfig.ready`` com
``registrar_rotulos`` e ``registrar_rotulos_de_estado``; ``acao_legivel`` só consulta o registro.
"""

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models.functions import Upper
from django.utils import timezone


class TokenAcesso(models.Model):
    """Link de uso único enviado por e-mail. Guardamos só o SHA-256 do token.

    O token bruto só existe na mensagem que sai para o SMTP: a caixa de saída guarda o link
    com ``MARCADOR`` no lugar do token e a referência a esta linha; ``gerar_segredo`` sorteia
    o token na hora do envio (cada envio, um novo; o anterior deixa de abrir o link).
    """

    MARCADOR = "TOKEN-OCULTO"

    class Finalidade(models.TextChoices):
        PRIMEIRO_ACESSO = "primeiro_acesso", "Primeiro acesso / validação de cadastro"
        RECUPERACAO_SENHA = "recuperacao_senha", "Recuperação de senha"
        TROCA_EMAIL = "troca_email", "Confirmação de novo e-mail"

    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="tokens"
    )
    finalidade = models.CharField(max_length=20, choices=Finalidade.choices)
    token_hash = models.CharField(max_length=64, unique=True)
    dados = models.JSONField(default=dict, blank=True)
    expira_em = models.DateTimeField()
    usado_em = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        # Tabela de antes da mudança para ``cagec.core`` (a migração não copia dados).
        db_table = "accounts_tokenacesso"
        verbose_name = "token de acesso"
        verbose_name_plural = "tokens de acesso"
        indexes = [models.Index(fields=["usuario", "finalidade"])]

    def __str__(self):
        return f"{self.get_finalidade_display()} — {self.usuario}"

    @property
    def utilizavel(self):
        return self.usado_em is None and self.expira_em > timezone.now()

    @staticmethod
    def hash_de(bruto: str) -> str:
        return hashlib.sha256(bruto.encode()).hexdigest()

    @staticmethod
    def hash_sem_segredo() -> str:
        """Hash de um segredo descartado: ninguém abre o link antes de ``gerar_segredo``."""
        return TokenAcesso.hash_de(secrets.token_urlsafe(32))

    def gerar_segredo(self) -> str:
        """Sorteia o token bruto e grava só o seu hash; o token anterior deixa de valer."""
        bruto = secrets.token_urlsafe(32)
        self.token_hash = self.hash_de(bruto)
        TokenAcesso.objects.filter(pk=self.pk).update(token_hash=self.token_hash)
        return bruto


class EmailSaida(models.Model):
    """Caixa de saída: cada e-mail nasce aqui, na mesma transação da mudança que o causou.

    Ciclo (``cagec.lib.entrega``): *pendente* → *enviando* (reivindicado, gravado antes de
    falar com o SMTP) → *enviado*; falha temporária volta a *pendente* com
    ``proxima_tentativa_em`` (espera exponencial); recusa definitiva ou 24 h sem conseguir →
    *falhou*; resposta perdida depois de o corpo da mensagem ter saído → *verificar* (a
    equipe confere e decide no admin), a não ser que o provedor descarte Message-ID repetido.
    """

    class Status(models.TextChoices):
        PENDENTE = "pendente", "Pendente"
        ENVIANDO = "enviando", "Enviando"
        ENVIADO = "enviado", "Enviado"
        VERIFICAR = "verificar", "Verificar (pode ter sido entregue)"
        FALHOU = "falhou", "Falhou"

    evento = models.CharField("evento", max_length=60)
    usuario = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="usuário",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    destinatario = models.EmailField("destinatário", max_length=254)
    assunto = models.CharField("assunto", max_length=300)
    corpo_texto = models.TextField("corpo (texto)")
    corpo_html = models.TextField("corpo (HTML)")
    # Link de uso único: os corpos guardam ``TokenAcesso.MARCADOR`` e o token é sorteado só na
    # mensagem entregue ao SMTP (nenhum segredo utilizável fica na caixa de saída).
    token = models.ForeignKey(
        TokenAcesso,
        verbose_name="link de uso único",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="emails",
    )
    status = models.CharField(
        "situação", max_length=10, choices=Status.choices, default=Status.PENDENTE
    )
    tentativas = models.PositiveSmallIntegerField(
        "tentativas",
        default=0,
        help_text="Envios de fato tentados no servidor SMTP (não conta reivindicações).",
    )
    ultimo_erro = models.TextField("último erro", blank=True)
    created_at = models.DateTimeField("criado em", default=timezone.now)
    enviado_em = models.DateTimeField("enviado em", null=True, blank=True)
    proxima_tentativa_em = models.DateTimeField("próxima tentativa em", default=timezone.now)
    reivindicacao = models.UUIDField("reivindicação", null=True, blank=True, editable=False)
    reivindicado_em = models.DateTimeField("reivindicado em", null=True, blank=True)
    dados_em = models.DateTimeField(
        "corpo enviado em",
        null=True,
        blank=True,
        help_text="Quando o corpo da mensagem (DATA) começou a ir para o SMTP na última "
        "tentativa. Antes disso nada pode ter sido entregue.",
    )

    class Meta:
        # Tabela de antes da mudança para ``cagec.core`` (a migração não copia dados).
        db_table = "accounts_emailsaida"
        verbose_name = "e-mail (caixa de saída)"
        verbose_name_plural = "e-mails (caixa de saída)"
        indexes = [
            models.Index(fields=["status", "created_at"]),
            # Varredura: pendentes cuja vez chegou, na ordem da próxima tentativa.
            models.Index(fields=["status", "proxima_tentativa_em"], name="emailsaida_fila"),
            # Limite de e-mails por destinatário (``limite_por_destinatario_atingido``).
            models.Index(
                Upper("destinatario"), "evento", "created_at", name="emailsaida_destinatario"
            ),
        ]

    def __str__(self):
        return f"{self.evento} → {self.destinatario} ({self.get_status_display()})"

    @property
    def message_id(self) -> str:
        """O Message-ID estável desta linha: toda tentativa leva o mesmo."""
        dominio = settings.PORTAL_URL_BASE.split("://", 1)[-1].split("/", 1)[0].split(":")[0]
        return f"<cagec-{self.pk}@{dominio}>"


_ROTULOS: dict[str, str] = {}
# Ações com o estado novo no nome (``documento.aprovado``): prefixo → (nome, rótulos das choices).
_ROTULOS_DE_ESTADO: dict[str, tuple[str, dict[str, str]]] = {}


def registrar_rotulos(rotulos: dict[str, str]) -> None:
    """Nomes em português de ações da auditoria (chamado no ``AppConfig.ready`` de cada app)."""
    _ROTULOS.update(rotulos)


def registrar_rotulos_de_estado(prefixo: str, nome: str, choices) -> None:
    """``<prefixo>.<estado>`` vira ``"<nome>: <rótulo do estado>"`` (``Documento: aprovado``)."""
    _ROTULOS_DE_ESTADO[prefixo] = (nome, dict(choices))


def acao_legivel(acao):
    """O nome da ação em português (o próprio código se não houver rótulo)."""
    if acao in _ROTULOS:
        return _ROTULOS[acao]
    prefixo, _, estado = acao.partition(".")
    if prefixo in _ROTULOS_DE_ESTADO:
        nome, rotulos = _ROTULOS_DE_ESTADO[prefixo]
        if estado in rotulos:
            return f"{nome}: {rotulos[estado].lower()}"
    return acao


class RegistroAuditoria(models.Model):
    """Trilha de auditoria, somente inclusão (no PostgreSQL, um gatilho recusa UPDATE/DELETE)."""

    created_at = models.DateTimeField("quando", default=timezone.now, db_index=True)
    ator = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    usuario_afetado = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="auditoria",
    )
    acao = models.CharField("ação", max_length=60, db_index=True)
    objeto_tipo = models.CharField("tipo do objeto", max_length=60, blank=True)
    objeto_id = models.CharField("id do objeto", max_length=40, blank=True)
    descricao = models.CharField("descrição", max_length=300, blank=True)
    antes = models.JSONField(null=True, blank=True)
    depois = models.JSONField(null=True, blank=True)
    ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        # Tabela de antes da mudança para ``cagec.core`` (a migração não copia dados).
        db_table = "accounts_registroauditoria"
        verbose_name = "registro de auditoria"
        verbose_name_plural = "registros de auditoria"
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["objeto_tipo", "objeto_id"])]

    def __str__(self):
        return f"{self.created_at:%d/%m/%Y %H:%M} {self.acao}"

    @property
    def acao_legivel(self):
        return acao_legivel(self.acao)
