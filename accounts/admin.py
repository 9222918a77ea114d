from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.db.models import Q
from django.shortcuts import redirect, render

from cagec.core.admin import SomenteLeituraMixin
from cagec.lib.auditoria import ip_do_request
from cagec.lib.documentos import normalizar_cpf
from cagec.lib.erros import ErroDeDominio

from . import convites, services
from .forms import CPFField, TelefoneField
from .models import AceiteTermo, PedidoConvite, TermoUso, Usuario


class CPFConfirmadoFilter(admin.SimpleListFilter):
    title = "confirmação do CPF"
    parameter_name = "cpf"

    def lookups(self, request, model_admin):
        return [("nao", "CPF não confirmado"), *Usuario.ConfirmacaoCPF.choices]

    def queryset(self, request, queryset):
        if self.value() == "nao":
            return queryset.filter(cpf_confirmado_em=None)
        if self.value() in Usuario.ConfirmacaoCPF.values:
            return queryset.filter(cpf_confirmado_por=self.value())
        return queryset


class LiberarCPFForm(forms.Form):
    email = forms.EmailField(
        label="E-mail do titular",
        max_length=254,
        help_text="Conferido com o titular: passa a ser o e-mail da conta e recebe o link para "
        "criar a senha.",
    )
    motivo = forms.CharField(
        label="Motivo e conferência feita",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=300,
        help_text="Como a identidade foi conferida (documento, atendimento, processo). Fica na "
        "auditoria.",
    )

    def clean_motivo(self):
        motivo = self.cleaned_data["motivo"].strip()
        if not motivo:
            raise forms.ValidationError("Informe o motivo da liberação.")
        return motivo


class UsuarioCriacaoForm(forms.ModelForm):
    cpf = CPFField()
    telefone = TelefoneField(required=False)

    class Meta:
        model = Usuario
        fields = ["cpf", "nome", "email", "telefone", "is_staff"]

    def clean_cpf(self):
        cpf = self.cleaned_data["cpf"]
        if Usuario.objects.filter(cpf=cpf).exists():
            raise forms.ValidationError("Já existe um usuário com este CPF.")
        return cpf


@admin.register(Usuario)
class UsuarioAdmin(admin.ModelAdmin):
    list_display = [
        "cpf_formatado",
        "nome",
        "email",
        "situacao",
        "origem",
        "confirmacao_cpf",
        "is_staff",
        "last_login",
    ]
    list_filter = ["situacao", "origem", CPFConfirmadoFilter, "is_staff", "groups"]
    search_fields = ["nome", "email", "cpf"]
    ordering = ["nome"]
    readonly_fields = [
        "cpf",
        "situacao",
        "origem",
        "confirmacao_cpf",
        "last_login",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["cpf", "nome", "email", "telefone"]}),
        (
            "Situação",
            {
                "fields": [
                    "situacao",
                    "origem",
                    "confirmacao_cpf",
                    "last_login",
                    "created_at",
                    "updated_at",
                ]
            },
        ),
        ("Permissões", {"fields": ["is_staff", "is_superuser", "groups", "user_permissions"]}),
    ]
    filter_horizontal = ["groups", "user_permissions"]
    actions = [
        "desbloquear",
        "reenviar_primeiro_acesso",
        "enviar_convites",
        "reenviar_convites",
        "bloquear",
        "liberar_cpf",
    ]

    @admin.display(description="CPF", ordering="cpf_confirmado_em")
    def confirmacao_cpf(self, obj):
        if not obj.cpf_confirmado:
            return "CPF não confirmado"
        quando = f"{obj.cpf_confirmado_em:%d/%m/%Y}"
        return f"Confirmado em {quando}: {obj.get_cpf_confirmado_por_display()}"

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = UsuarioCriacaoForm
        return super().get_form(request, obj, **kwargs)

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return [
                (
                    None,
                    {
                        "fields": ["cpf", "nome", "email", "telefone", "is_staff"],
                        "description": "A pessoa recebe por e-mail o link para criar a senha. "
                        "Cadastre só quem teve a identidade conferida: a conta nasce com o CPF "
                        "confirmado pela administração.",
                    },
                )
            ]
        return super().get_fieldsets(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_search_results(self, request, queryset, search_term):
        cpf = normalizar_cpf(search_term)
        if cpf.isdigit() and len(cpf) == 11:
            return queryset.filter(Q(cpf=cpf)), False
        return super().get_search_results(request, queryset, search_term)

    def save_model(self, request, obj, form, change):
        if change:
            services.alterar_pela_administracao(
                obj,
                {c: form.initial.get(c) for c in form.changed_data},
                {c: form.cleaned_data.get(c) for c in form.changed_data},
                ator=request.user,
                ip=ip_do_request(request),
            )
        else:
            services.cadastrar_pela_administracao(obj, ator=request.user, ip=ip_do_request(request))

    @admin.action(description="Desbloquear (zera tentativas e bloqueio administrativo)")
    def desbloquear(self, request, queryset):
        for usuario in queryset:
            services.desbloquear(usuario, ator=request.user, ip=ip_do_request(request))
        self.message_user(request, f"{queryset.count()} usuário(s) desbloqueado(s).")

    @admin.action(description="Reenviar e-mail de primeiro acesso")
    def reenviar_primeiro_acesso(self, request, queryset):
        enviados = sum(
            services.reenviar_primeiro_acesso(u, ator=request.user, ip=ip_do_request(request))
            for u in queryset
        )
        ignorados = queryset.count() - enviados
        self.message_user(request, f"{enviados} e-mail(s) enviado(s).")
        if ignorados:
            self.message_user(
                request,
                f"{ignorados} usuário(s) ignorado(s): a conta já está ativa ou bloqueada.",
                messages.WARNING,
            )

    @admin.action(description="Enviar convite (importados pendentes que ainda não receberam)")
    def enviar_convites(self, request, queryset):
        self._convidar(request, queryset, reenviar=False)

    @admin.action(description="Reenviar convite (importados pendentes; o link anterior expira)")
    def reenviar_convites(self, request, queryset):
        self._convidar(request, queryset, reenviar=True)

    def _convidar(self, request, queryset, *, reenviar):
        agendados = convites.agendar_convites(queryset, reenviar=reenviar, ator=request.user)
        ignorados = queryset.count() - agendados
        self.message_user(
            request,
            f"{agendados} convite(s) agendado(s), até {settings.CONVITES_POR_MINUTO} por "
            f"minuto. {convites.progresso_legivel()}",
        )
        if ignorados:
            self.message_user(
                request,
                f"{ignorados} ignorado(s): conta ativa, bloqueada, não importada"
                + ("." if reenviar else " ou já convidada (use Reenviar convite)."),
                messages.WARNING,
            )

    @admin.action(description="Bloquear acesso")
    def bloquear(self, request, queryset):
        queryset = queryset.exclude(situacao=Usuario.Situacao.EXPIRADA)
        for usuario in queryset:
            services.bloquear(
                usuario,
                ator=request.user,
                ip=ip_do_request(request),
                motivo="Bloqueio pela administração",
            )
        self.message_user(request, f"{queryset.count()} usuário(s) bloqueado(s).")

    @admin.action(
        description="Liberar CPF (após conferir a identidade do titular; pede motivo)",
        permissions=["change"],
    )
    def liberar_cpf(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(
                request, "Escolha uma conta por vez para liberar o CPF.", messages.ERROR
            )
            return None
        usuario = queryset.get()
        form = LiberarCPFForm(request.POST if "confirmar" in request.POST else None)
        if form.is_valid():
            try:
                services.liberar_cpf(
                    usuario, **form.cleaned_data, ator=request.user, ip=ip_do_request(request)
                )
            except ErroDeDominio as erro:
                self.message_user(request, " ".join(erro.mensagens), messages.ERROR)
                return None
            self.message_user(
                request,
                f"CPF liberado: {usuario}. A conta foi retomada e o titular recebeu o link para "
                "criar a senha.",
                messages.SUCCESS,
            )
            return redirect(request.get_full_path())
        return render(
            request,
            "admin/accounts/usuario/liberar_cpf.html",
            {
                **self.admin_site.each_context(request),
                "title": "Liberar CPF",
                "form": form,
                "usuario": usuario,
                "opts": self.model._meta,
            },
        )


@admin.register(TermoUso)
class TermoUsoAdmin(admin.ModelAdmin):
    list_display = ["versao", "titulo", "publicado_em"]
    fields = ["titulo", "texto"]

    def has_change_permission(self, request, obj=None):
        return obj is None and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def get_fields(self, request, obj=None):
        return ["versao", "titulo", "texto", "publicado_em"] if obj else self.fields

    def save_model(self, request, obj, form, change):
        novo = services.publicar_termo(
            titulo=obj.titulo, texto=obj.texto, ator=request.user, ip=ip_do_request(request)
        )
        obj.pk = novo.pk


@admin.register(AceiteTermo)
class AceiteTermoAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    list_display = ["usuario", "termo", "aceito_em", "ip"]
    list_filter = ["termo"]
    search_fields = ["usuario__nome", "usuario__cpf"]
    list_select_related = ["usuario", "termo"]


@admin.register(PedidoConvite)
class PedidoConviteAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    """Os pedidos de convite (a enviar e atendidos) com o progresso no alto da lista."""

    list_display = ["usuario", "resultado", "reenviar", "solicitado_em", "atendido_em"]
    list_filter = ["resultado", "reenviar"]
    search_fields = ["usuario__nome", "usuario__cpf"]
    list_select_related = ["usuario"]
    date_hierarchy = "solicitado_em"

    def changelist_view(self, request, extra_context=None):
        contexto = {"subtitle": convites.progresso_legivel(), **(extra_context or {})}
        return super().changelist_view(request, extra_context=contexto)
