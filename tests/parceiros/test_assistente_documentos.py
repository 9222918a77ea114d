"""Passo Documentos (issue #13, itens 6 e 7): envio que nunca perde o trabalho, agrupado.

* As datas vêm antes do arquivo; sem JavaScript, um erro só de data guarda o arquivo no
  servidor ("Arquivo já recebido") e o envio seguinte usa esse arquivo.
* Com o script (cabeçalho ``X-Envio-Documento``), a resposta é JSON: o item redesenhado com
  a confirmação, o resumo do grupo, o contador "x de N obrigatórios" e o anúncio; um erro
  responde 422 com os erros por campo (o navegador mantém o arquivo: nada é retido).
* Grupos como no CRC, cada um um ``<details>``; o primeiro com pendência e os com reprovado
  abertos, os prontos recolhidos.
"""

import re
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from cagec.core.models import RegistroAuditoria
from parceiros import selectors, services
from parceiros.models import Documento, Obrigacao, Solicitacao

from ..factories import UsuarioFactory, pdf_pequeno

pytestmark = pytest.mark.django_db

R = Obrigacao.Regra
SCRIPT = {"HTTP_X_ENVIO_DOCUMENTO": "1"}


@pytest.fixture
def atualizacao(parceiro, rl, media_temporaria):
    """Atualização de documentos do Município (26 obrigações), preparada pelo RL."""
    return services.iniciar_atualizacao(parceiro, Solicitacao.Tipo.DOCUMENTOS, ator=rl)


@pytest.fixture
def cliente(client, rl):
    client.force_login(rl)
    return client


def _url(solicitacao):
    return f"/solicitacoes/{solicitacao.pk}/documentos/"


def _obrigacao(solicitacao, regra):
    return selectors.obrigacoes_da_solicitacao(solicitacao).filter(regra_validade=regra).first()


def _pdf(nome="certidao.pdf"):
    return SimpleUploadedFile(nome, pdf_pequeno(nome), "application/pdf")


def _post(obrigacao, *, arquivo=None, validade=None):
    dados = {"obrigacao": obrigacao.pk}
    if arquivo is not None:
        dados[f"o{obrigacao.pk}-arquivo"] = arquivo
    if validade is not None:
        dados[f"o{obrigacao.pk}-data_validade"] = validade.isoformat()
    return dados


def _ontem():
    return timezone.localdate() - timezone.timedelta(days=1)


def _ano_que_vem():
    return timezone.localdate() + timezone.timedelta(days=365)


# --- Datas antes do arquivo; erro de data não perde o arquivo (sem JavaScript) -----------------
def test_datas_sao_pedidas_antes_do_arquivo(cliente, atualizacao):
    obrigacao = _obrigacao(atualizacao, R.DATA_INFORMADA)
    pagina = cliente.get(_url(atualizacao)).content.decode()
    validade = pagina.index(f'name="o{obrigacao.pk}-data_validade"')
    assert validade < pagina.index(f'name="o{obrigacao.pk}-arquivo"')


def test_erro_so_de_data_guarda_o_arquivo_e_o_envio_seguinte_o_usa(cliente, atualizacao):
    obrigacao = _obrigacao(atualizacao, R.DATA_INFORMADA)
    resposta = cliente.post(
        _url(atualizacao), _post(obrigacao, arquivo=_pdf("cnd-2026.pdf"), validade=_ontem())
    )

    assert resposta.status_code == 200
    pagina = resposta.content.decode()
    assert "Este documento já venceu" in pagina
    assert "Arquivo já recebido: <strong>cnd-2026.pdf</strong>" in pagina
    assert "Outro arquivo (opcional)" in pagina
    assert not Documento.objects.filter(solicitacao=atualizacao).exists()
    assert RegistroAuditoria.objects.filter(acao="documento.retido").count() == 1

    # Sem escolher o arquivo de novo: só a data corrigida.
    resposta = cliente.post(_url(atualizacao), _post(obrigacao, validade=_ano_que_vem()))

    assert resposta.status_code == 302
    documento = Documento.objects.get(solicitacao=atualizacao, obrigacao=obrigacao)
    assert documento.nome_original == "cnd-2026.pdf"
    assert documento.data_validade == _ano_que_vem()
    assert documento.arquivo.read() == pdf_pequeno("cnd-2026.pdf")
    assert f"arquivo_retido:{atualizacao.pk}:{obrigacao.pk}" not in cliente.session


def test_arquivo_retido_e_apagado_depois_de_anexado(
    cliente, atualizacao, django_capture_on_commit_callbacks
):
    obrigacao = _obrigacao(atualizacao, R.DATA_INFORMADA)
    cliente.post(_url(atualizacao), _post(obrigacao, arquivo=_pdf(), validade=_ontem()))
    nome_retido = cliente.session[f"arquivo_retido:{atualizacao.pk}:{obrigacao.pk}"][0]
    storage = Documento._meta.get_field("arquivo").storage
    assert storage.exists(nome_retido)

    with django_capture_on_commit_callbacks(execute=True):
        cliente.post(_url(atualizacao), _post(obrigacao, validade=_ano_que_vem()))

    assert not storage.exists(nome_retido)
    assert Documento.objects.filter(solicitacao=atualizacao, obrigacao=obrigacao).exists()


def test_arquivo_retido_vale_so_para_o_seu_item(cliente, atualizacao):
    primeira, segunda = selectors.obrigacoes_da_solicitacao(atualizacao).filter(
        regra_validade=R.DATA_INFORMADA
    )[:2]
    cliente.post(_url(atualizacao), _post(primeira, arquivo=_pdf(), validade=_ontem()))

    resposta = cliente.post(_url(atualizacao), _post(segunda, validade=_ano_que_vem()))

    assert resposta.status_code == 200
    assert "Escolha o arquivo." in resposta.content.decode()
    assert not Documento.objects.filter(solicitacao=atualizacao).exists()


def test_arquivo_que_nao_e_pdf_nao_e_retido(cliente, atualizacao):
    obrigacao = _obrigacao(atualizacao, R.DATA_INFORMADA)
    html = SimpleUploadedFile("falso.pdf", b"<html>nao</html>", "application/pdf")
    resposta = cliente.post(_url(atualizacao), _post(obrigacao, arquivo=html, validade=_ontem()))

    assert resposta.status_code == 200
    assert "Arquivo já recebido" not in resposta.content.decode()
    assert not RegistroAuditoria.objects.filter(acao="documento.retido").exists()


def test_sem_script_o_envio_volta_ao_item_com_a_confirmacao(cliente, atualizacao):
    obrigacao = _obrigacao(atualizacao, R.FIM_MANDATO)
    resposta = cliente.post(_url(atualizacao), _post(obrigacao, arquivo=_pdf("cpf.pdf")))

    destino = f"{_url(atualizacao)}?anexado={obrigacao.pk}#obrigacao-{obrigacao.pk}"
    assert resposta.status_code == 302
    assert resposta["Location"] == destino
    pagina = cliente.get(destino).content.decode()
    item = re.search(rf'<li[^>]*id="obrigacao-{obrigacao.pk}".*?</li>', pagina, re.S).group(0)
    assert 'role="status"' in item
    assert f"Documento anexado: {obrigacao.nome}." in item
    assert "Arquivo recebido: cpf.pdf." in item


# --- Com o script: JSON, sem recarregar ----------------------------------------------------------
def test_envio_pelo_script_devolve_o_item_o_contador_e_o_anuncio(cliente, atualizacao):
    obrigacao = _obrigacao(atualizacao, R.FIM_MANDATO)
    obrigatorios = selectors.obrigacoes_da_solicitacao(atualizacao).filter(obrigatoria=True)
    na_pasta = Documento.objects.filter(
        parceiro=atualizacao.parceiro, status=Documento.Status.APROVADO
    ).count()

    resposta = cliente.post(_url(atualizacao), _post(obrigacao, arquivo=_pdf("cpf.pdf")), **SCRIPT)

    assert resposta.status_code == 200
    dados = resposta.json()
    assert f'id="obrigacao-{obrigacao.pk}"' in dados["item"]
    assert f"Documento anexado: {obrigacao.nome}." in dados["item"]
    assert "cpf.pdf" in dados["item"]
    feitos = na_pasta + 1
    assert f"{feitos} de {obrigatorios.count()} obrigatórios" in dados["contador"]
    assert "1 de " in dados["grupo"]
    assert dados["anuncio"].startswith(f"Documento anexado: {obrigacao.nome}.")


def test_erro_pelo_script_responde_422_por_campo_e_nao_retem_o_arquivo(cliente, atualizacao):
    obrigacao = _obrigacao(atualizacao, R.DATA_INFORMADA)
    resposta = cliente.post(
        _url(atualizacao), _post(obrigacao, arquivo=_pdf(), validade=_ontem()), **SCRIPT
    )

    assert resposta.status_code == 422
    dados = resposta.json()
    assert dados["erros"] == [
        {
            "id": f"id_o{obrigacao.pk}-data_validade",
            "mensagens": ["Este documento já venceu. Envie um documento válido."],
        }
    ]
    assert 'id="resumo-erros"' in dados["resumo"]
    assert "o arquivo não foi anexado" in dados["anuncio"]
    assert not RegistroAuditoria.objects.filter(acao="documento.retido").exists()
    assert not Documento.objects.filter(solicitacao=atualizacao).exists()


def test_item_fora_da_checklist_pelo_script_responde_400(cliente, atualizacao):
    resposta = cliente.post(_url(atualizacao), {"obrigacao": "999999"}, **SCRIPT)
    assert resposta.status_code == 400
    assert resposta.json()["erro"] == "Escolha um item da lista de documentos."


def test_estranho_recebe_404_tambem_pelo_script(client, atualizacao):
    client.force_login(UsuarioFactory(aceitou_termo=True))
    obrigacao = _obrigacao(atualizacao, R.FIM_MANDATO)
    resposta = client.post(_url(atualizacao), _post(obrigacao, arquivo=_pdf()), **SCRIPT)
    assert resposta.status_code == 404
    assert not Documento.objects.filter(solicitacao=atualizacao).exists()


# --- Grupos e contador ---------------------------------------------------------------------------
def _grupos(pagina):
    return re.findall(r'<details class="grupo-documentos[^"]*" id="grupo-\d+"( open)?>', pagina)


def test_pagina_agrupa_em_details_com_contador_de_obrigatorios(cliente, atualizacao):
    pagina = cliente.get(_url(atualizacao)).content.decode()
    obrigacoes = selectors.obrigacoes_da_solicitacao(atualizacao)
    grupos = {o.grupo_id for o in obrigacoes}

    assert len(_grupos(pagina)) == len(grupos)
    assert re.search(r"\d+ de \d+ obrigatórios</strong> com\s+documento", pagina)
    assert 'aria-live="polite"' in pagina
    assert re.search(r"js/envio\.[0-9a-f]{12}\.js", pagina)
    for obrigacao in obrigacoes:
        assert f'id="obrigacao-{obrigacao.pk}"' in pagina


def test_link_da_revisao_abre_o_grupo_e_o_formulario_do_item(cliente, atualizacao):
    ultima = list(selectors.obrigacoes_da_solicitacao(atualizacao))[-1]
    pagina = cliente.get(f"{_url(atualizacao)}?item={ultima.pk}").content.decode()
    item = re.search(rf'<li[^>]*id="obrigacao-{ultima.pk}".*?</li>', pagina, re.S).group(0)
    assert '<details class="envio-documento" open>' in item
    grupo = f'<details class="grupo-documentos mb-3" id="grupo-{ultima.grupo_id}" open>'
    assert grupo in pagina


def _item(obrigatoria=True, anexo=None, na_pasta=None):
    return {
        "obrigacao": SimpleNamespace(obrigatoria=obrigatoria),
        "anexo": anexo,
        "na_pasta": na_pasta,
    }


def _anexo(reprovado=False):
    return SimpleNamespace(reprovado_na_analise=reprovado)


def test_resumo_abre_o_primeiro_pendente_e_os_reprovados_e_recolhe_os_prontos():
    pronto = {"itens": [_item(anexo=_anexo()), _item(na_pasta=object())]}
    pendente = {"itens": [_item(anexo=_anexo()), _item()]}
    outro_pendente = {"itens": [_item()]}
    reprovado = {"itens": [_item(anexo=_anexo(reprovado=True))]}
    opcional = {"itens": [_item(obrigatoria=False)]}
    grupos = [pronto, pendente, outro_pendente, reprovado, opcional]

    contagem = selectors.resumir_checklist(grupos)

    assert [g["aberto"] for g in grupos] == [False, True, False, True, False]
    assert contagem == {"feitos": 3, "obrigatorios": 6}
    assert (pendente["enviados"], pendente["total"], pendente["pendentes"]) == (1, 2, 1)
    assert (pronto["enviados"], pronto["na_pasta"], pronto["pendentes"]) == (1, 1, 0)
    assert reprovado["itens"][0]["reprovado"] and reprovado["pendentes"] == 1
