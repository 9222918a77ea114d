"""A página de referência ``/api/v1/docs/``: Swagger UI dos estáticos locais (sidecar).

A versão "split" do drf-spectacular entrega o script de inicialização num endereço próprio
(``?script=``) em vez de um ``<script>`` em linha, e o template da casa tira o ``<style>`` em
linha: a página funciona sob a CSP do portal sem exceção nenhuma.
"""

from drf_spectacular.views import SpectacularSwaggerSplitView


class Referencia(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    title = "API do Portal CAGEC — referência"
