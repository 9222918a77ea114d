from django.urls import path

from . import views, views_analise

app_name = "parceiros"

urlpatterns = [
    path("solicitacoes/nova/", views.solicitacao_nova, name="solicitacao_nova"),
    path("solicitacoes/nova/vinculacao/<str:cnpj>/", views.vinculacao, name="vinculacao"),
    path("solicitacoes/<int:pk>/", views.solicitacao_detail, name="solicitacao_detail"),
    path(
        "solicitacoes/<int:pk>/encaminhar/",
        views.solicitacao_encaminhar,
        name="solicitacao_encaminhar",
    ),
    path(
        "solicitacoes/<int:pk>/o-que-corrigir/",
        views.solicitacao_corrigir,
        name="solicitacao_corrigir",
    ),
    path(
        "solicitacoes/<int:pk>/cancelar/", views.solicitacao_cancelar, name="solicitacao_cancelar"
    ),
    path("solicitacoes/<int:pk>/reabrir/", views.solicitacao_reabrir, name="solicitacao_reabrir"),
    path(
        "solicitacoes/<int:pk>/documentos/<int:documento_pk>/remover/",
        views.documento_remover,
        name="documento_remover",
    ),
    path(
        "solicitacoes/<int:pk>/indicacao/aceitar/",
        views.indicacao_responder,
        {"resposta": "aceitar"},
        name="indicacao_aceitar",
    ),
    path(
        "solicitacoes/<int:pk>/indicacao/recusar/",
        views.indicacao_responder,
        {"resposta": "recusar"},
        name="indicacao_recusar",
    ),
    path("solicitacoes/<int:pk>/<slug:passo>/", views.solicitacao_passo, name="solicitacao_passo"),
    path("parceiros/<str:cnpj>/", views.parceiro_detail, name="parceiro_detail"),
    path(
        "parceiros/<str:cnpj>/solicitacoes/<slug:tipo>/",
        views.solicitacao_atualizacao,
        name="solicitacao_atualizacao",
    ),
    path("parceiros/<str:cnpj>/responsaveis/", views.responsaveis, name="responsaveis"),
    path(
        "parceiros/<str:cnpj>/responsaveis/<int:vinculo_pk>/remover/",
        views.responsavel_remover,
        name="responsavel_remover",
    ),
    path(
        "vinculos/<int:vinculo_pk>/confirmar/",
        views.inclusao_responder,
        {"resposta": "confirmar"},
        name="inclusao_confirmar",
    ),
    path(
        "vinculos/<int:vinculo_pk>/recusar/",
        views.inclusao_responder,
        {"resposta": "recusar"},
        name="inclusao_recusar",
    ),
    path("documentos/<int:pk>/", views.documento_download, name="documento_download"),
    path("analise/", views_analise.fila, name="analise_fila"),
    path("analise/<int:pk>/", views_analise.decisao, name="analise_decisao"),
    path(
        "analise/documentos/<int:pk>/",
        views_analise.documento_visualizar,
        name="analise_documento",
    ),
]
