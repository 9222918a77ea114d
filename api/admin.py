"""Admin das chaves de API, do uso diário, dos webhooks e das entregas.

Criar uma chave ou um webhook passa pelo serviço (``api.services``) e a resposta é uma página
que mostra o segredo uma única vez (nada de mensagem guardada em cookie ou sessão).
"""

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse

from cagec.core.admin import SomenteLeituraMixin
from cagec.lib.auditoria import ip_do_request

from . import enderecos, services
from .models import ChaveApi, EntregaWebhook, Evento, UsoDiarioChaveApi, Webhook


def _mostrar_segredo(request: HttpRequest, contexto: dict[str, object]) -> HttpResponse:
    resposta = TemplateResponse(request, "admin/api/segredo_criado.html", contexto)
    resposta["Cache-Control"] = "no-store"
    return resposta


class UsoInline(SomenteLeituraMixin, admin.TabularInline):
    model = UsoDiarioChaveApi
    fields = ["dia", "chamadas"]
    readonly_fields = ["dia", "chamadas"]
    extra = 0
    ordering = ["-dia"]
    verbose_name_plural = "uso diário (somado ao banco a cada minuto)"


@admin.register(ChaveApi)
class ChaveApiAdmin(admin.ModelAdmin):
    list_display = ["nome", "prefixo", "contato_email", "limite_por_minuto", "situacao"]
    list_display += ["criada_em", "ultimo_uso_em"]
    list_filter = [("revogada_em", admin.EmptyFieldListFilter)]
    search_fields = ["nome", "prefixo", "contato_email"]
    EDITAVEIS = ["nome", "contato_email", "contato_telefone", "limite_por_minuto"]
    SO_LEITURA = ["prefixo", "criada_em", "criada_por", "revogada_em", "revogada_por"]
    SO_LEITURA += ["ultimo_uso_em"]
    readonly_fields = SO_LEITURA
    inlines = [UsoInline]
    actions = ["revogar"]

    def get_fields(self, request: HttpRequest, obj: ChaveApi | None = None) -> list[str]:  # type: ignore[override]
        return self.EDITAVEIS if obj is None else [*self.EDITAVEIS, *self.SO_LEITURA]

    def has_delete_permission(self, request: HttpRequest, obj: ChaveApi | None = None) -> bool:
        return False  # revogar, nunca apagar: o uso e a auditoria continuam apontando para ela

    @admin.display(description="situação")
    def situacao(self, obj: ChaveApi) -> str:
        return "Ativa" if obj.ativa else "Revogada"

    def save_model(
        self, request: HttpRequest, obj: ChaveApi, form: forms.Form, change: bool
    ) -> None:
        if change:
            services.alterar_chave(
                obj,
                ator=request.user,  # type: ignore[arg-type]
                ip=ip_do_request(request),
                **{campo: form.cleaned_data[campo] for campo in form.changed_data},
            )
            return
        dados = form.cleaned_data
        chave, texto = services.criar_chave(
            nome=dados["nome"],
            contato_email=dados["contato_email"],
            contato_telefone=dados["contato_telefone"],
            limite_por_minuto=dados["limite_por_minuto"],
            ator=request.user,  # type: ignore[arg-type]  # o admin só abre para quem entrou
            ip=ip_do_request(request),
        )
        obj.pk, obj.prefixo, obj.hash_segredo = chave.pk, chave.prefixo, chave.hash_segredo
        request._segredo_criado = texto  # type: ignore[attr-defined]  # só para response_add

    def response_add(
        self, request: HttpRequest, obj: ChaveApi, post_url_continue: str | None = None
    ) -> HttpResponse:
        contexto = {
            **self.admin_site.each_context(request),
            "titulo": "Chave de API criada",
            "objeto": obj,
            "segredo": request._segredo_criado,  # type: ignore[attr-defined]
            "explicacao": "só o prefixo e um hash",
            "se_perder": "revogue esta chave e crie outra",
            "voltar": reverse("admin:api_chaveapi_changelist"),
        }
        return _mostrar_segredo(request, contexto)

    @admin.action(description="Revogar as chaves selecionadas", permissions=["change"])
    def revogar(self, request: HttpRequest, queryset: "object") -> None:
        ip = ip_do_request(request)
        total = sum(
            services.revogar_chave(chave, ator=request.user, ip=ip)  # type: ignore[arg-type]
            for chave in queryset  # type: ignore[attr-defined]
        )
        self.message_user(request, f"{total} chave(s) revogada(s). Os webhooks delas param.")


@admin.register(UsoDiarioChaveApi)
class UsoDiarioChaveApiAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    list_display = ["dia", "chave", "chamadas"]
    list_filter = ["chave", ("dia", admin.DateFieldListFilter)]
    date_hierarchy = "dia"
    list_select_related = ["chave"]


class WebhookForm(forms.ModelForm):
    url = forms.URLField(label="URL", max_length=500, assume_scheme="https")
    eventos = forms.MultipleChoiceField(
        choices=Evento.choices, initial=Evento.values, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = Webhook
        fields = ["chave", "url", "eventos"]

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        if "chave" in self.fields:  # a página só de leitura não tem o campo
            campo = self.fields["chave"]
            campo.queryset = ChaveApi.objects.filter(revogada_em__isnull=True)  # type: ignore[attr-defined]

    def clean_url(self) -> str:
        url: str = self.cleaned_data["url"]
        try:
            enderecos.validar(url)
        except enderecos.EnderecoProibido as erro:
            raise forms.ValidationError(str(erro)) from erro
        return url


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    form = WebhookForm
    list_display = ["url", "chave", "ativo", "eventos", "criado_em"]
    list_filter = ["ativo", "chave"]
    search_fields = ["url", "chave__nome"]
    actions = ["desativar"]

    def has_change_permission(self, request: HttpRequest, obj: Webhook | None = None) -> bool:
        return obj is None and super().has_change_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Webhook | None = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: Webhook, form: forms.Form, change: bool
    ) -> None:
        dados = form.cleaned_data
        webhook, segredo = services.cadastrar_webhook(
            dados["chave"],
            dados["url"],
            eventos=dados["eventos"],
            ator=request.user,  # type: ignore[arg-type]
            ip=ip_do_request(request),
        )
        obj.pk, obj.segredo = webhook.pk, segredo
        request._segredo_criado = segredo  # type: ignore[attr-defined]

    def response_add(
        self, request: HttpRequest, obj: Webhook, post_url_continue: str | None = None
    ) -> HttpResponse:
        contexto = {
            **self.admin_site.each_context(request),
            "titulo": "Webhook cadastrado: segredo da assinatura",
            "objeto": obj,
            "segredo": request._segredo_criado,  # type: ignore[attr-defined]
            "explicacao": "ele só é usado para assinar as entregas",
            "se_perder": "desative este webhook e cadastre outro",
            "voltar": reverse("admin:api_webhook_changelist"),
        }
        return _mostrar_segredo(request, contexto)

    @admin.action(description="Desativar os webhooks selecionados", permissions=["add"])
    def desativar(self, request: HttpRequest, queryset: "object") -> None:
        ip = ip_do_request(request)
        total = sum(
            services.desativar_webhook(webhook, ator=request.user, ip=ip)  # type: ignore[arg-type]
            for webhook in queryset  # type: ignore[attr-defined]
        )
        self.message_user(request, f"{total} webhook(s) desativado(s).")


@admin.register(EntregaWebhook)
class EntregaWebhookAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    list_display = ["created_at", "evento", "cnpj", "webhook", "status", "tentativas"]
    list_display += ["ultimo_codigo", "proxima_tentativa_em", "entregue_em"]
    list_filter = ["status", "evento", ("created_at", admin.DateFieldListFilter)]
    search_fields = ["cnpj", "webhook__url", "webhook__chave__nome"]
    list_select_related = ["webhook"]
    actions = ["reenviar"]

    def has_view_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return request.user.has_perm("api.view_entregawebhook")

    def has_reenviar_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("api.change_entregawebhook")

    @admin.action(description="Reenviar", permissions=["reenviar"])
    def reenviar(self, request: HttpRequest, queryset: "object") -> None:
        ids = list(queryset.values_list("pk", flat=True))  # type: ignore[attr-defined]
        total = services.reenviar_entregas(ids, ator=request.user)  # type: ignore[arg-type]
        self.message_user(request, f"{total} entrega(s) recolocada(s) na fila.")
        if total < len(ids):
            self.message_user(
                request,
                f"{len(ids) - total} entrega(s) ignorada(s): ainda pendente(s) ou enviando.",
                level=messages.WARNING,
            )
