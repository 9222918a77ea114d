from django.contrib import admin

from accounts.admin import SomenteLeituraMixin

from .models import Declaracao


@admin.register(Declaracao)
class DeclaracaoAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    list_display = ["codigo_formatado", "tipo", "razao_social", "signatario_nome", "assinada_em"]
    list_filter = ["tipo", "metodo"]
    search_fields = ["codigo", "razao_social", "cnpj", "signatario_nome", "sha256_pdf"]
    exclude = ["signatario_cpf"]
