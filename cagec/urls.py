from django.contrib import admin
from django.urls import include, path

from accounts.views import login_do_admin

from . import views

admin.site.site_header = "Administração do Portal CAGEC"
admin.site.site_title = "CAGEC"
admin.site.index_title = "Cadastro Geral de Convenentes"
# Um único caminho de login (com bloqueio por CPF, limite por IP e auditoria) também para o
# admin: /admin/login/ só redireciona a /entrar/, nunca autentica (nem por POST).
admin.site.login = login_do_admin  # type: ignore[method-assign]  # troca deliberada

urlpatterns = [
    path("", views.home, name="home"),
    path("saude/", views.saude, name="saude"),
    path("saude/prontidao/", views.prontidao, name="prontidao"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("api.urls")),
    path("", include("accounts.urls")),
    path("", include("declaracoes.urls")),
    path("", include("parceiros.urls")),
]

handler400 = "cagec.views.erro_400"
handler403 = "cagec.views.erro_403"
handler404 = "cagec.views.erro_404"
handler500 = "cagec.views.erro_500"
