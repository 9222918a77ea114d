"""Admin da importação de cadastro: envio → prévia → confirmar → progresso → resultado.

As views só adaptam: o formulário confere o arquivo, ``parceiros.importacao`` faz o resto.
Registrado a partir de ``parceiros/admin.py``.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from cagec.lib.armazenamento import ArmazenamentoIndisponivel

from . import importacao as servico
from .models import ImportacaoCadastro

TAMANHO_MAXIMO = 100 * 1024 * 1024
GRUPOS = [
    ("pessoas", "Pessoas"),
    ("organizacoes", "Organizações"),
    ("vinculos", "Vínculos de RL"),
]


def _conferir(arquivo):
    if arquivo is None:
        return None
    if not arquivo.name.lower().endswith((".csv", ".xlsx")):
        raise forms.ValidationError("Envie um arquivo .csv ou .xlsx.")
    if arquivo.size > TAMANHO_MAXIMO:
        raise forms.ValidationError("O arquivo passa de 100 MB.")
    if arquivo.size == 0:
        raise forms.ValidationError("O arquivo está vazio.")
    return arquivo


class ImportacaoForm(forms.ModelForm):
    arquivo = forms.FileField(
        label="Arquivo (CSV ou XLSX)",
        help_text=(
            "CSV em UTF-8 (separador ; ou ,) ou XLSX, com o cabeçalho do arquivo-modelo. "
            "Primeiro é feita uma prévia; nada é gravado antes de você confirmar."
        ),
    )
    arquivo_organizacoes = forms.FileField(
        label="Arquivo de organizações (opcional)",
        required=False,
        help_text=(
            "Se as organizações vêm num arquivo à parte (cnpj, razao_social, natureza_juridica, "
            "tipo, municipio, uf): o primeiro arquivo traz então só as pessoas, o CNPJ e o "
            "mandato, e os dados da organização vêm deste, pelo CNPJ."
        ),
    )

    class Meta:
        model = ImportacaoCadastro
        fields = ["arquivo", "arquivo_organizacoes"]

    def clean_arquivo(self):
        return _conferir(self.cleaned_data["arquivo"])

    def clean_arquivo_organizacoes(self):
        return _conferir(self.cleaned_data.get("arquivo_organizacoes"))


@admin.register(ImportacaoCadastro)
class ImportacaoCadastroAdmin(admin.ModelAdmin):
    form = ImportacaoForm
    list_display = ["pk", "nome", "status", "processadas", "total", "criado_por", "created_at"]
    list_filter = ["status"]
    search_fields = ["nome"]
    list_select_related = ["criado_por"]
    detalhe_template = "admin/parceiros/importacaocadastro/detalhe.html"
    change_list_template = "admin/parceiros/importacaocadastro/lista.html"

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        proprio = self.admin_site.admin_view
        return [
            path("modelo.csv", proprio(self.baixar_modelo), name="parceiros_importacao_modelo"),
            path(
                "<int:pk>/confirmar/",
                proprio(require_POST(self.confirmar)),
                name="parceiros_importacao_confirmar",
            ),
            path(
                "<int:pk>/erros.csv", proprio(self.baixar_erros), name="parceiros_importacao_erros"
            ),
            *super().get_urls(),
        ]

    def save_model(self, request, obj, form, change):
        nova = servico.criar_importacao(
            form.cleaned_data["arquivo"],
            organizacoes=form.cleaned_data.get("arquivo_organizacoes"),
            ator=request.user,
        )
        obj.pk = nova.pk

    def add_view(self, request, form_url="", extra_context=None):
        try:
            return super().add_view(request, form_url, extra_context)
        except ArmazenamentoIndisponivel as erro:  # nada gravado (transação desfeita)
            self.message_user(request, erro.mensagem, messages.ERROR)
            return redirect(request.get_full_path())

    def render_change_form(self, request, context, *args, **kwargs):
        # O envio leva direto à prévia: "salvar e adicionar outro" / "continuar" não cabem.
        context.update(show_save_and_add_another=False, show_save_and_continue=False)
        return super().render_change_form(request, context, *args, **kwargs)

    def response_add(self, request, obj, post_url_continue=None):
        self.message_user(request, "Arquivo recebido: a prévia aparece aqui quando terminar.")
        return redirect(reverse("admin:parceiros_importacaocadastro_change", args=[obj.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        importacao = self.get_object(request, object_id)
        if importacao is None:
            raise Http404
        if not self.has_view_permission(request, importacao):
            raise PermissionDenied
        contagens = importacao.resultado or importacao.contagens
        organizacoes = contagens.get("arquivo_organizacoes")
        contexto = {
            **self.admin_site.each_context(request),
            "title": str(importacao),
            "opts": self.model._meta,
            "original": importacao,
            "importacao": importacao,
            "contagens": contagens,
            "grupos": [(rotulo, contagens.get(chave, {})) for chave, rotulo in GRUPOS],
            "organizacoes": organizacoes,
            "linhas_organizacoes": organizacoes["com_erro"] + organizacoes["sem_rl"]
            if organizacoes
            else 0,
            "pode_confirmar": self.has_change_permission(request, importacao)
            and (
                importacao.status == ImportacaoCadastro.Status.PRONTA
                or (importacao.status == ImportacaoCadastro.Status.FALHOU and importacao.contagens)
            ),
            "refresh": importacao.em_andamento,
        }
        return TemplateResponse(request, self.detalhe_template, contexto)

    def confirmar(self, request, pk):
        importacao = get_object_or_404(ImportacaoCadastro, pk=pk)
        if not self.has_change_permission(request, importacao):
            raise PermissionDenied
        try:
            servico.confirmar(importacao, ator=request.user)
        except servico.TransicaoInvalida as erro:
            self.message_user(request, str(erro), messages.ERROR)
        else:
            importacao.refresh_from_db()
            concluida = importacao.status == ImportacaoCadastro.Status.CONCLUIDA
            self.message_user(
                request,
                "Importação concluída."
                if concluida
                else "Importação confirmada: o progresso aparece nesta página.",
            )
        return redirect(reverse("admin:parceiros_importacaocadastro_change", args=[pk]))

    def baixar_erros(self, request, pk):
        importacao = get_object_or_404(ImportacaoCadastro, pk=pk)
        if not self.has_view_permission(request, importacao) or not importacao.arquivo_erros:
            raise Http404
        return FileResponse(
            importacao.arquivo_erros.open("rb"),
            as_attachment=True,
            filename=f"erros-importacao-{importacao.pk}.csv",
            content_type="text/csv; charset=utf-8",
        )

    def baixar_modelo(self, request):
        """``?modelo=pessoas`` ou ``organizacoes`` para o par de arquivos; padrão: completo."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        modelo = request.GET.get("modelo", "completo")
        if modelo not in servico.MODELOS:
            raise Http404
        resposta = HttpResponse(servico.modelo_csv(modelo), content_type="text/csv; charset=utf-8")
        sufixo = "" if modelo == "completo" else f"-{modelo}"
        nome = f"modelo-importacao-cadastro{sufixo}.csv"
        resposta["Content-Disposition"] = f'attachment; filename="{nome}"'
        return resposta
