from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.urls import include, path

from . import views

admin.site.site_header = "Administração do Portal CAGEC"
admin.site.site_title = "CAGEC"
admin.site.index_title = "Cadastro Geral de Convenentes"
# Um único caminho de login (com bloqueio por CPF e limite por IP) também para o admin.
admin.site.login = login_required(admin.site.login)

urlpatterns = [
    path("", views.home, name="home"),
    path("saude/", views.saude, name="saude"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("declaracoes.urls")),
    path("", include("parceiros.urls")),
]

handler400 = "cagec.views.erro_400"
handler403 = "cagec.views.erro_403"
handler404 = "cagec.views.erro_404"
handler500 = "cagec.views.erro_500"
