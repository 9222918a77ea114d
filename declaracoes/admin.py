from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render

from accounts.admin import SomenteLeituraMixin
from cagec.lib.auditoria import ip_do_request

from . import services
from .models import Declaracao


class RevogacaoForm(forms.Form):
    motivo = forms.CharField(
        label="Motivo da revogação",
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=1000,
        help_text="Aparece para quem verificar a autenticidade da declaração.",
    )


@admin.register(Declaracao)
class DeclaracaoAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    list_display = [
        "codigo_formatado",
        "tipo",
        "razao_social",
        "signatario_nome",
        "assinada_em",
        "revogada_em",
    ]
    list_filter = ["tipo", "metodo", ("revogada_em", admin.EmptyFieldListFilter)]
    search_fields = ["codigo", "razao_social", "cnpj", "signatario_nome", "sha256_pdf"]
    exclude = ["signatario_cpf"]
    actions = ["revogar"]

    @admin.action(description="Revogar as declarações selecionadas (pede o motivo)")
    def revogar(self, request, queryset):
        form = RevogacaoForm(request.POST if "confirmar" in request.POST else None)
        if form.is_valid():
            feitas = 0
            for declaracao in queryset:
                feitas += services.revogar(
                    declaracao,
                    request.user,
                    motivo=form.cleaned_data["motivo"],
                    ip=ip_do_request(request),
                )
            self.message_user(request, f"{feitas} declaração(ões) revogada(s).", messages.SUCCESS)
            return redirect(request.get_full_path())
        return render(
            request,
            "admin/declaracoes/revogar.html",
            {
                **self.admin_site.each_context(request),
                "title": "Revogar declarações",
                "form": form,
                "declaracoes": queryset,
                "acao": "revogar",
                "opts": self.model._meta,
            },
        )
