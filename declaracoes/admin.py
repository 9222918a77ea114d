from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect, render
from django.urls import reverse

from cagec.core.admin import SomenteLeituraMixin, link_protegido
from cagec.lib.auditoria import ip_do_request

from . import crc, services
from .models import Certificado, Declaracao


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
    exclude = ["signatario_cpf", "pdf"]
    readonly_fields = ["pdf_protegido"]
    actions = ["revogar"]

    @admin.display(description="PDF")
    def pdf_protegido(self, obj):
        return link_protegido(obj.pdf, reverse("declaracoes:declaracao_pdf", args=[obj.pk]))

    @admin.action(description="Revogar as declarações selecionadas (pede o motivo)")
    def revogar(self, request, queryset):
        return _revogar(self, request, queryset, services.revogar, "declaração(ões)")


def _revogar(model_admin, request, queryset, servico, nome):
    """Ação de revogar com motivo, comum a declarações e CRCs (o serviço audita)."""
    form = RevogacaoForm(request.POST if "confirmar" in request.POST else None)
    if form.is_valid():
        feitas = sum(
            servico(
                obj,
                ator=request.user,
                motivo=form.cleaned_data["motivo"],
                ip=ip_do_request(request),
            )
            for obj in queryset
        )
        model_admin.message_user(request, f"{feitas} {nome} revogada(s).", messages.SUCCESS)
        return redirect(request.get_full_path())
    return render(
        request,
        "admin/declaracoes/revogar.html",
        {
            **model_admin.admin_site.each_context(request),
            "title": f"Revogar {nome}",
            "form": form,
            "objetos": queryset,
            "acao": "revogar",
            "opts": model_admin.model._meta,
        },
    )


@admin.register(Certificado)
class CertificadoAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    list_display = ["codigo_formatado", "parceiro", "emitido_em", "situacao", "revogado_em"]
    list_filter = ["situacao", "dia", ("revogado_em", admin.EmptyFieldListFilter)]
    search_fields = ["codigo", "parceiro__cnpj", "parceiro__razao_social", "sha256_pdf"]
    list_select_related = ["parceiro"]
    date_hierarchy = "emitido_em"
    exclude = ["snapshot", "pdf"]
    readonly_fields = ["pdf_protegido"]
    actions = ["revogar"]

    @admin.display(description="PDF")
    def pdf_protegido(self, obj):
        return link_protegido(obj.pdf, reverse("declaracoes:original_pdf", args=[obj.codigo]))

    @admin.action(description="Revogar os CRCs selecionados (pede o motivo)")
    def revogar(self, request, queryset):
        return _revogar(self, request, queryset, crc.revogar, "CRC(s)")
