"""Admin da infraestrutura: caixa de saída e trilha de auditoria, só leitura.

``SomenteLeituraMixin`` e ``link_protegido`` servem ao admin de todos os apps.
"""

from pathlib import PurePosixPath

from django.contrib import admin, messages
from django.utils.html import format_html

from cagec.lib import emails

from .models import EmailSaida, RegistroAuditoria


class SomenteLeituraMixin:
    # ``obj``: os inlines também usam este mixin e o admin os chama com o objeto pai.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


def link_protegido(arquivo, url):
    """Nome do arquivo com link para a view que confere a permissão antes de entregá-lo.

    ``MEDIA_URL`` é ``None`` (nenhum arquivo é servido direto): o link que o admin monta
    sozinho para um ``FileField`` levanta "not accessible via a URL" (erro 500).
    """
    if not arquivo:
        return "—"
    return format_html('<a href="{}">{}</a>', url, PurePosixPath(arquivo.name).name)


@admin.register(EmailSaida)
class EmailSaidaAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    """A caixa de saída: situação, fase do último envio, próxima tentativa e as ações da equipe.

    *Verificar* (o corpo saiu e a resposta do SMTP não veio): confira no provedor pelo
    Message-ID e use “Foi entregue” ou “Não chegou — enviar de novo (mesmo Message-ID)”.
    """

    list_display = [
        "created_at",
        "evento",
        "destinatario",
        "status",
        "tentativas",
        "fase",
        "proxima_tentativa_em",
        "enviado_em",
        "message_id_",
    ]
    list_filter = ["status", "evento", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["destinatario", "assunto", "usuario__cpf", "usuario__nome"]
    date_hierarchy = "created_at"
    actions = ["confirmar_entrega", "reenviar_mesmo_message_id", "reenviar"]
    readonly_fields = ["message_id_", "fase"]

    def has_change_permission(self, request, obj=None):
        return False

    def has_operar_permission(self, request):
        """As ações mudam o destino de e-mails: só quem tem ``core.change_emailsaida``
        (quem só pode ver a caixa de saída não reenvia nem marca como entregue)."""
        return request.user.has_perm("core.change_emailsaida")

    @admin.display(description="Message-ID")
    def message_id_(self, obj):
        return obj.message_id

    @admin.display(description="fase do último envio")
    def fase(self, obj):
        if obj.status == EmailSaida.Status.ENVIADO:
            return "aceito pelo SMTP"
        if obj.dados_em and obj.status in (EmailSaida.Status.ENVIANDO, EmailSaida.Status.VERIFICAR):
            return "corpo enviado, sem resposta"
        if obj.status == EmailSaida.Status.ENVIANDO:
            return "conectando (nada entregue ainda)"
        return "—"

    @admin.action(description="Foi entregue (marcar como enviado)", permissions=["operar"])
    def confirmar_entrega(self, request, queryset):
        total = emails.confirmar_entregues(queryset.values_list("pk", flat=True), request.user)
        self._resumo(request, queryset, total, "marcado(s) como enviado(s)")

    @admin.action(
        description="Não chegou — enviar de novo (mesmo Message-ID)", permissions=["operar"]
    )
    def reenviar_mesmo_message_id(self, request, queryset):
        total = emails.reenviar_nao_entregues(queryset.values_list("pk", flat=True), request.user)
        self._resumo(request, queryset, total, "recolocado(s) na fila com o mesmo Message-ID")

    def _resumo(self, request, queryset, total, feito):
        self.message_user(request, f"{total} e-mail(s) {feito}.")
        ignorados = queryset.count() - total
        if ignorados:
            self.message_user(
                request,
                f"{ignorados} e-mail(s) ignorado(s): esta ação vale só para “Verificar”.",
                level=messages.WARNING,
            )

    @admin.action(
        description="Enviar uma cópia (novo Message-ID; enviados e que falharam)",
        permissions=["operar"],
    )
    def reenviar(self, request, queryset):
        total = sum(emails.reenviar(e.pk) for e in queryset)
        self.message_user(request, f"{total} e-mail(s) recolocado(s) na fila.")
        recusados = len(queryset) - total
        if recusados:
            self.message_user(
                request,
                f"{recusados} e-mail(s) não reenviado(s): ainda pendente(s), enviando ou para "
                "verificar, ou com link de uso único já usado, vencido ou substituído. Para um "
                "link novo, use “Reenviar link de primeiro acesso” ou “Reenviar convite” no "
                "cadastro da pessoa, ou peça que ela solicite a recuperação de senha.",
                level=messages.WARNING,
            )


@admin.register(RegistroAuditoria)
class RegistroAuditoriaAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    list_display = [
        "created_at",
        "acao_nome",
        "ator",
        "usuario_afetado",
        "objeto_tipo",
        "objeto_id",
        "ip",
    ]
    list_filter = ["acao", "objeto_tipo"]
    search_fields = ["acao", "descricao", "objeto_id", "ator__cpf", "usuario_afetado__cpf"]
    date_hierarchy = "created_at"
    list_select_related = ["ator", "usuario_afetado"]

    @admin.display(description="ação", ordering="acao")
    def acao_nome(self, obj):
        return obj.acao_legivel
