"""Importação interrompida (worker morto): progresso carimbado, retomada pelo beat e pelo admin,
lotes gravados não repetem e o resultado conta a importação inteira."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Usuario
from cagec.core.models import RegistroAuditoria
from parceiros import importacao
from parceiros.importacao import processamento
from parceiros.importacao.lote import Lote
from parceiros.models import ImportacaoCadastro, Parceiro, Vinculo

from ..factories import UsuarioFactory
from .test_importacao import confirmada, conteudo_csv, cpf, linha, trava_de_outra_importacao

pytestmark = [pytest.mark.usefixtures("media_temporaria"), pytest.mark.django_db]
__all__ = ["trava_de_outra_importacao"]  # fixture usada abaixo
Status = ImportacaoCadastro.Status


class WorkerMorto(BaseException):
    """Como um ``kill -9``: não passa pelo ``except Exception`` que marcaria a falha."""


def morre_no_lote(numero):
    """Deixa gravar os lotes anteriores a ``numero`` e morre no começo dele."""
    original = Lote.aplicar
    vistos = []

    def aplicar(self):
        vistos.append(self)
        if len(vistos) == numero:
            raise WorkerMorto
        return original(self)

    return mock.patch.object(Lote, "aplicar", aplicar)


@pytest.fixture
def lote_de_2():
    with mock.patch.object(processamento, "TAMANHO_LOTE", 2):
        yield


def interrompida(linhas, lote):
    feita = confirmada(conteudo_csv(linhas))
    with morre_no_lote(lote), pytest.raises(WorkerMorto):
        importacao.executar(feita.pk)
    feita.refresh_from_db()
    return feita


def test_progresso_e_carimbado_a_cada_lote_e_os_lotes_guardam_as_contagens(lote_de_2):
    feita = interrompida([linha(n) for n in range(1, 8)], lote=3)
    assert feita.status == Status.IMPORTANDO
    assert feita.processadas == 4 and feita.progresso_em is not None
    assert sorted(feita.lotes) == ["1", "2"]
    assert feita.lotes["1"]["pessoas"]["novos"] == 2
    assert feita.lotes["2"]["ate_linha"] == 5  # cabeçalho é a linha 1
    assert Usuario.objects.filter(origem=Usuario.Origem.IMPORTACAO).count() == 4


def test_retomada_pula_os_lotes_gravados_e_o_resultado_conta_a_importacao_inteira(lote_de_2):
    feita = interrompida([linha(n) for n in range(1, 8)], lote=3)
    aplicados = []
    original = Lote.aplicar

    def contar(self):
        aplicados.append([x.cpf for x in self.linhas])
        return original(self)

    with mock.patch.object(Lote, "aplicar", contar):
        feita = importacao.executar(feita.pk)
    assert feita.status == Status.CONCLUIDA
    assert aplicados == [[cpf(5), cpf(6)], [cpf(7)]]  # só o que faltava
    assert feita.resultado["linhas"] == 7 and feita.resultado["validas"] == 7
    assert feita.resultado["pessoas"]["novos"] == 7
    assert feita.resultado["organizacoes"]["novos"] == 7
    assert feita.resultado["vinculos"]["novos"] == 7
    assert feita.resultado["pessoas"]["inalterados"] == 0
    assert Usuario.objects.filter(origem=Usuario.Origem.IMPORTACAO).count() == 7
    assert Parceiro.objects.count() == 7
    assert Vinculo.objects.filter(ativo=True, papel=Vinculo.Papel.RL).count() == 7


def test_lote_que_mudou_de_fronteira_e_gravado_de_novo_sem_duplicar(lote_de_2):
    feita = interrompida([linha(n) for n in range(1, 6)], lote=2)
    lotes = feita.lotes
    lotes["1"]["ate_linha"] = 99  # outro arquivo/catálogo: não confia no registro
    ImportacaoCadastro.objects.filter(pk=feita.pk).update(lotes=lotes)
    feita = importacao.executar(feita.pk)
    assert feita.status == Status.CONCLUIDA
    assert Usuario.objects.filter(origem=Usuario.Origem.IMPORTACAO).count() == 5
    assert feita.resultado["pessoas"]["novos"] == 3
    assert feita.resultado["pessoas"]["inalterados"] == 2


def test_beat_retoma_so_a_importacao_sem_progresso_e_ela_conclui(
    lote_de_2, settings, django_capture_on_commit_callbacks
):
    settings.IMPORTACAO_SEM_PROGRESSO = timedelta(minutes=10)
    feita = interrompida([linha(n) for n in range(1, 6)], lote=2)
    assert importacao.retomar_paradas() == []  # progresso recente: ainda não
    daqui_a_pouco = timezone.now() + timedelta(minutes=11)
    with django_capture_on_commit_callbacks(execute=True):
        assert importacao.retomar_paradas(daqui_a_pouco) == [feita.pk]
    feita.refresh_from_db()
    assert feita.status == Status.CONCLUIDA and feita.retomadas == 1
    assert feita.resultado["pessoas"]["novos"] == 5
    assert RegistroAuditoria.objects.filter(acao="importacao.retomada").count() == 1


def test_retomada_publica_a_gravacao_e_da_prazo_de_novo(
    settings, django_capture_on_commit_callbacks
):
    from parceiros import tasks

    settings.IMPORTACAO_SEM_PROGRESSO = timedelta(minutes=10)
    feita = confirmada(conteudo_csv([linha(1)]))
    ImportacaoCadastro.objects.filter(pk=feita.pk).update(
        progresso_em=timezone.now() - timedelta(hours=1)
    )
    with (
        mock.patch.object(tasks.importar_cadastro, "apply_async") as publicar,
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.retomar_importacoes_paradas() == [feita.pk]
        assert tasks.retomar_importacoes_paradas() == []  # progresso_em renovado
    assert publicar.call_args.kwargs["args"] == [feita.pk]


def test_so_importando_pode_ser_retomada():
    feita = confirmada(conteudo_csv([linha(1)]))
    importacao.executar(feita.pk)
    with pytest.raises(importacao.TransicaoInvalida, match="concluída"):
        importacao.retomar(feita.pk)


@pytest.mark.django_db(transaction=True)
def test_com_a_trava_tomada_nada_e_retomado_e_a_espera_conta_como_progresso(
    trava_de_outra_importacao, settings
):
    settings.IMPORTACAO_SEM_PROGRESSO = timedelta(minutes=10)
    feita = confirmada(conteudo_csv([linha(1)]))
    with pytest.raises(importacao.OutraImportacaoGravando):
        importacao.executar(feita.pk)
    feita.refresh_from_db()
    assert feita.progresso_em is not None
    assert importacao.retomar_paradas(timezone.now() + timedelta(hours=1)) == []
    with pytest.raises(importacao.TransicaoInvalida, match="gravando agora"):
        importacao.retomar(feita.pk)


def test_acao_do_admin_retoma_e_avisa_as_que_nao_podem(client, django_capture_on_commit_callbacks):
    client.force_login(UsuarioFactory(aceitou_termo=True, is_staff=True, is_superuser=True))
    parada = confirmada(conteudo_csv([linha(1)]))
    pronta = importacao.criar_importacao(
        ContentFile(conteudo_csv([linha(2)]), name="carga.csv"), agendar=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        resposta = client.post(
            "/admin/parceiros/importacaocadastro/",
            {"action": "retomar_importacoes", "_selected_action": [parada.pk, pronta.pk]},
            follow=True,
        )
    html = resposta.content.decode()
    assert f"Retomada(s): nº {parada.pk}" in html
    assert f"Importação nº {pronta.pk}: Só uma importação importando" in html
    parada.refresh_from_db()
    assert parada.status == Status.CONCLUIDA and parada.retomadas == 1
