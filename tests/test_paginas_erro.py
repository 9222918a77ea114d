"""Páginas de erro em português, com o layout do portal."""

import pytest
from django.test import Client


@pytest.mark.django_db
def test_formulario_sem_csrf_mostra_pagina_explicando_o_que_fazer():
    cliente = Client(enforce_csrf_checks=True)
    resposta = cliente.post("/entrar/", {"cpf": "52998224725", "senha": "x"})
    assert resposta.status_code == 403
    pagina = resposta.content.decode()
    assert "O formulário expirou" in pagina
    assert "Recarregue a página" in pagina
    assert "CSRF" not in pagina


@pytest.mark.django_db
def test_pagina_inexistente_em_portugues(client):
    resposta = client.get("/nao-existe/")
    assert resposta.status_code == 404
    assert "Página não encontrada" in resposta.content.decode()
