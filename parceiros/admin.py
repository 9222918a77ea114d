from django.contrib import admin, messages
from django.db import models
from django.db.models import Q
from django.urls import reverse

from cagec.core.admin import SomenteLeituraMixin, link_protegido
from cagec.lib.auditoria import ip_do_request
from cagec.lib.documentos import normalizar_cnpj, normalizar_cpf

from . import permissions, services, situacao
from .models import (
    AvisoVencimento,
    Documento,
    Genero,
    GrupoObrigacao,
    HistoricoSituacao,
    MotivoPadrao,
    NaturezaJuridica,
    Obrigacao,
    Parceiro,
    Solicitacao,
    TipoParceiro,
    TransicaoSolicitacao,
    Vinculo,
)


class BuscaPorDocumentoMixin:
    """Busca que aceita CNPJ e CPF com pontuação."""

    campo_cnpj = "cnpj"
    campo_cpf = None

    def get_search_results(self, request, queryset, search_term):
        resultado, duplicados = super().get_search_results(request, queryset, search_term)
        termo = search_term.strip()
        if termo:
            filtro = Q(**{self.campo_cnpj: normalizar_cnpj(termo)})
            if self.campo_cpf:
                filtro |= Q(**{self.campo_cpf: normalizar_cpf(termo)})
            resultado = resultado | queryset.filter(filtro)
        return resultado, duplicados


# --- Catálogos ---------------------------------------------------------------------------------
@admin.register(NaturezaJuridica)
class NaturezaJuridicaAdmin(admin.ModelAdmin):
    list_display = ["codigo_formatado", "descricao", "categoria", "ativa"]
    list_filter = ["ativa", "categoria"]
    search_fields = ["codigo", "descricao"]


@admin.register(Genero)
class GeneroAdmin(admin.ModelAdmin):
    search_fields = ["nome"]


@admin.register(TipoParceiro)
class TipoParceiroAdmin(admin.ModelAdmin):
    list_display = ["nome", "genero", "ativo"]
    list_filter = ["genero", "ativo"]
    search_fields = ["nome"]
    filter_horizontal = ["naturezas"]


@admin.register(GrupoObrigacao)
class GrupoObrigacaoAdmin(admin.ModelAdmin):
    list_display = ["nome", "ordem"]
    list_editable = ["ordem"]


@admin.register(Obrigacao)
class ObrigacaoAdmin(admin.ModelAdmin):
    list_display = ["nome", "grupo", "regra_validade", "dias", "obrigatoria", "mrosc", "ativa"]
    list_filter = ["grupo", "regra_validade", "obrigatoria", "mrosc", "ativa", "tipos"]
    search_fields = ["nome", "descricao"]
    filter_horizontal = ["tipos"]

    def save_related(self, request, form, formsets, change):
        """Depois de gravar os Tipos: recalcula os Parceiros dos Tipos de antes e de agora."""
        antes = set(form.instance.tipos.values_list("pk", flat=True)) if change else set()
        super().save_related(request, form, formsets, change)
        agora = set(form.instance.tipos.values_list("pk", flat=True))
        if services.catalogo_alterado(antes | agora):
            self.message_user(
                request, "A situação dos parceiros destes tipos será recalculada em seguida."
            )


# --- Parceiros ---------------------------------------------------------------------------------
CAMPOS_RECEITA = [
    "razao_social",
    "nome_fantasia",
    "natureza_juridica",
    "situacao_cadastral",
    "data_abertura",
    "cnae_principal",
    "logradouro",
    "numero",
    "complemento",
    "bairro",
    "cep",
    "municipio",
    "uf",
    "email_receita",
    "telefone_receita",
    "receita_consultada_em",
]
CAMPOS_ESTADO = ["situacao_mrosc", "cadin_bloqueado", "siafi_bloqueado", "motivo_impedimento"]


class VinculoInline(SomenteLeituraMixin, admin.TabularInline):
    model = Vinculo
    fk_name = "parceiro"
    fields = readonly_fields = (
        "usuario",
        "papel",
        "cargo",
        "mandato_inicio",
        "mandato_fim",
        "ativo",
        "encerrado_em",
    )
    extra = 0


@admin.register(Parceiro)
class ParceiroAdmin(BuscaPorDocumentoMixin, admin.ModelAdmin):
    list_display = [
        "cnpj_formatado",
        "razao_social",
        "tipo",
        "municipio",
        "numero_cadastro",
        "situacao",
        "possui_impedimento",
    ]
    list_filter = ["situacao", "tipo__genero", "tipo", "cadin_bloqueado", "siafi_bloqueado", "uf"]
    search_fields = ["razao_social", "nome_fantasia", "municipio"]
    list_select_related = ["tipo"]
    readonly_fields = ["cnpj", "numero_cadastro", "situacao", *CAMPOS_RECEITA]
    fieldsets = [
        (None, {"fields": ["cnpj", "numero_cadastro", "tipo", "situacao"]}),
        ("Mantido pelo Estado (auditado)", {"fields": [*CAMPOS_ESTADO]}),
        ("Contatos", {"fields": ["site", "email_institucional", "telefone"]}),
        ("Dados da Receita Federal (somente leitura)", {"fields": [*CAMPOS_RECEITA]}),
    ]
    inlines = [VinculoInline]
    actions = ["recalcular_situacao"]
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}

    @admin.action(description="Recalcular a situação dos selecionados")
    def recalcular_situacao(self, request, queryset):
        for parceiro in queryset:
            situacao.recalcular(parceiro, motivo=f"Recálculo pedido por {request.user.nome}")
        self.message_user(request, f"Situação recalculada: {queryset.count()} parceiro(s).")

    @admin.display(boolean=True, description="possui impedimento")
    def possui_impedimento(self, obj):
        return obj.possui_impedimento

    def has_add_permission(self, request):
        return False  # Parceiros nascem da aprovação de uma inscrição ou da importação

    def has_change_permission(self, request, obj=None):
        # Separação de funções: RL ou RI da organização só vê (o serviço também recusa).
        if obj is not None and permissions.tem_vinculo_ativo(request.user, obj.pk):
            return False
        return super().has_change_permission(request, obj)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        vinculada = str(object_id).isdigit() and permissions.tem_vinculo_ativo(
            request.user, object_id
        )
        if request.method == "GET" and vinculada:
            self.message_user(request, services.CONFLITO_NO_PARCEIRO, messages.WARNING)
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        campos = {campo: form.cleaned_data[campo] for campo in form.changed_data}
        services.alterar_pela_administracao(
            obj, ator=request.user, ip=ip_do_request(request), **campos
        )


@admin.register(Vinculo)
class VinculoAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    list_display = ["usuario", "parceiro", "papel", "cargo", "mandato_fim", "ativo"]
    list_filter = ["papel", "ativo"]
    search_fields = ["usuario__nome", "parceiro__razao_social"]
    list_select_related = ["usuario", "parceiro"]

    def get_search_results(self, request, queryset, search_term):
        resultado, duplicados = super().get_search_results(request, queryset, search_term)
        termo = search_term.strip()
        if termo:
            resultado = resultado | queryset.filter(
                Q(usuario__cpf=normalizar_cpf(termo)) | Q(parceiro__cnpj=normalizar_cnpj(termo))
            )
        return resultado, duplicados


@admin.register(Documento)
class DocumentoAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    list_display = [
        "obrigacao",
        "parceiro",
        "nome_original",
        "status",
        "data_validade",
        "created_at",
    ]
    list_filter = ["status", "obrigacao__grupo"]
    search_fields = ["nome_original", "sha256", "parceiro__razao_social", "parceiro__cnpj"]
    list_select_related = ["obrigacao", "parceiro"]
    exclude = ["arquivo"]
    readonly_fields = ["arquivo_protegido"]

    @admin.display(description="arquivo")
    def arquivo_protegido(self, obj):
        return link_protegido(obj.arquivo, reverse("parceiros:documento_download", args=[obj.pk]))


class TransicaoInline(SomenteLeituraMixin, admin.TabularInline):
    model = TransicaoSolicitacao
    fields = readonly_fields = ("created_at", "de", "para", "usuario", "motivo")
    extra = 0


@admin.register(Solicitacao)
class SolicitacaoAdmin(BuscaPorDocumentoMixin, SomenteLeituraMixin, admin.ModelAdmin):
    list_display = ["pk", "tipo", "cnpj", "solicitante", "status", "enviada_em", "updated_at"]
    list_filter = ["status", "tipo"]
    search_fields = ["solicitante__nome", "parceiro__razao_social"]
    list_select_related = ["solicitante"]
    inlines = [TransicaoInline]


@admin.register(MotivoPadrao)
class MotivoPadraoAdmin(admin.ModelAdmin):
    list_display = ["titulo", "ativo"]
    list_filter = ["ativo"]
    search_fields = ["titulo", "texto"]


@admin.register(HistoricoSituacao)
class HistoricoSituacaoAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    list_display = ["parceiro", "de", "para", "motivo", "created_at"]
    list_filter = ["para"]
    search_fields = ["parceiro__razao_social", "parceiro__cnpj"]
    list_select_related = ["parceiro"]


@admin.register(AvisoVencimento)
class AvisoVencimentoAdmin(SomenteLeituraMixin, admin.ModelAdmin):
    list_display = ["documento", "dias", "vence_em", "created_at"]
    list_filter = ["dias"]
    search_fields = ["documento__parceiro__razao_social", "documento__parceiro__cnpj"]
    list_select_related = ["documento__obrigacao"]


from . import admin_importacao  # noqa: E402,F401 (registra ImportacaoCadastro)
