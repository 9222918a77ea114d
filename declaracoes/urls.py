from django.urls import path, re_path

from . import views, views_dados_abertos, views_publicas

app_name = "declaracoes"

urlpatterns = [
    path("assinaturas/", views.assinaturas, name="assinaturas"),
    path("solicitacoes/<int:pk>/assinar/", views.assinar, name="assinar"),
    path("declaracoes/<int:pk>/pdf/", views.declaracao_pdf, name="declaracao_pdf"),
    # Área pública (endereços estáveis: impressos nos PDFs e guardados em favoritos).
    path("consulta/", views_publicas.consulta_publica, name="consulta"),
    path("consulta/cpf/", views.consulta_cpf, name="consulta_cpf"),
    path(
        "consulta/exportar.xlsx", views_publicas.exportar, {"formato": "xlsx"}, name="exportar_xlsx"
    ),
    path("consulta/exportar.pdf", views_publicas.exportar, {"formato": "pdf"}, name="exportar_pdf"),
    # <path:>: o CNPJ formatado tem "/" (18.000.001/0001-00) e também vale no endereço.
    path("consulta/<path:cnpj>/crc/", views_publicas.crc_pdf, name="crc"),
    path("verificar/", views_publicas.verificar, name="verificar"),
    path("verificar/<str:codigo>/", views_publicas.verificar_codigo, name="verificar_codigo"),
    path(
        "verificar/<str:codigo>/original.pdf",
        views_publicas.original_pdf,
        name="original_pdf",
    ),
    # Dados abertos: a página, o arquivo de cada dia e o mais recente (endereço fixo).
    path("dados-abertos/", views_dados_abertos.pagina, name="dados_abertos"),
    re_path(
        r"^dados-abertos/cagec-parceiros-(?P<dia>\d{4}-\d{2}-\d{2})\.(?P<formato>csv|jsonl)$",
        views_dados_abertos.arquivo,
        name="dados_abertos_arquivo",
    ),
    re_path(
        r"^dados-abertos/cagec-parceiros\.(?P<formato>csv|jsonl)$",
        views_dados_abertos.ultimo,
        name="dados_abertos_ultimo",
    ),
]
