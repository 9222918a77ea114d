from django.urls import path

from . import views

app_name = "declaracoes"

urlpatterns = [
    path("assinaturas/", views.assinaturas, name="assinaturas"),
    path("solicitacoes/<int:pk>/assinar/", views.assinar, name="assinar"),
    path("declaracoes/<int:pk>/pdf/", views.declaracao_pdf, name="declaracao_pdf"),
]
