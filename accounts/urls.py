from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("inscricao/", views.inscricao, name="inscricao"),
    path("inscricao/enviada/", views.inscricao_enviada, name="inscricao_enviada"),
    path("primeiro-acesso/<str:token>/", views.primeiro_acesso, name="primeiro_acesso"),
    path("entrar/", views.entrar, name="entrar"),
    path("sair/", views.sair, name="sair"),
    path("govbr/entrar/", views.GovBrEntrarView.as_view(), name="govbr_entrar"),
    path("govbr/retorno/", views.GovBrRetornoView.as_view(), name="govbr_retorno"),
    path("recuperar-senha/", views.recuperar_senha, name="recuperar_senha"),
    path("recuperar-senha/enviado/", views.recuperacao_enviada, name="recuperacao_enviada"),
    path("recuperar-senha/<str:token>/", views.redefinir_senha, name="redefinir_senha"),
    path("termos/", views.termos, name="termos"),
    path("painel/", views.painel, name="painel"),
    path("minha-conta/", views.minha_conta, name="minha_conta"),
    path("minha-conta/senha/", views.alterar_senha, name="alterar_senha"),
    path("minha-conta/email/", views.trocar_email, name="trocar_email"),
    path("minha-conta/definir-email/", views.definir_email, name="definir_email"),
    path("minha-conta/email/<str:token>/", views.confirmar_email, name="confirmar_email"),
    path("minha-conta/meus-dados.json", views.meus_dados, name="meus_dados"),
]
