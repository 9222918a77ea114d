"""Importação em massa de pessoas, organizações e vínculos de RL do sistema anterior.

Ciclo de vida de uma ``ImportacaoCadastro`` (única casa das transições, ``_TRANSICOES``)::

    aguardando ──validar──▶ validando ──▶ pronta (prévia com contagens) | falhou
    pronta ──confirmar──▶ importando ──▶ concluida | falhou
    falhou (depois de uma prévia) ──confirmar de novo──▶ importando

A prévia e a importação passam pelo mesmo código (``Processamento``): lê o arquivo em
fluxo, valida cada linha, separa em lotes de ``TAMANHO_LOTE`` e, por lote, busca de uma
vez (uma consulta cada) as pessoas pelo CPF, as organizações pelo CNPJ e os RLs ativos.
Na prévia só conta; na importação grava o lote numa transação (linhas novas por COPY,
alteradas por ``bulk_update``), então as contagens da prévia são as da importação.
Idempotente: a mesma linha de novo não cria nem muda nada. Uma falha no meio deixa os
lotes já gravados (com as contagens de cada um em ``ImportacaoCadastro.lotes``); confirmar
de novo, ou retomar (o beat retoma sozinho uma importação sem progresso há
``IMPORTACAO_SEM_PROGRESSO``; o admin tem a ação), pula esses lotes, grava o resto e o
resultado conta a importação inteira. Uma gravação por vez
(trava ``TRAVA``): a outra espera.

Nenhuma senha é calculada: a conta importada recebe a marca de senha inutilizável
(``!`` + aleatório, a mesma forma de ``make_password(None)``) e fica *pendente* até o
primeiro acesso. Conta já ativada ou bloqueada não tem dados pessoais, senha ou situação
alterados pela importação.

A importação mora em ``parceiros`` porque cria organizações e os seus RLs; contas e
numeração, troca de RL e pedidos abertos são gravados pelas primitivas em massa dos serviços
(``accounts.services`` e ``parceiros.services``), as mesmas da aprovação: a regra vive uma
vez só. A ativação da conta importada (o primeiro acesso) continua em ``accounts``.

Módulos: ``services`` (o ciclo de vida; este pacote reexporta a API que o admin, o comando e
as tasks usam); ``leitura`` (o arquivo: formato, cabeçalho, linhas em fluxo, modelos);
``validacao`` (uma linha: catálogo, normalização, motivos); ``organizacoes`` (o segundo
arquivo, opcional); ``processamento`` (o arquivo inteiro: repetidas, CSV de erros, lotes,
progresso); ``lote`` (as consultas e gravações de um lote).
"""

from .leitura import (
    COLUNAS,
    COLUNAS_ORGANIZACAO,
    COLUNAS_PESSOA,
    MODELOS,
    ROTULOS,
    ArquivoInvalido,
    ler,
    modelo_csv,
)
from .processamento import ERROS_NA_PREVIA, TAMANHO_LOTE
from .services import (
    MENSAGEM_ESPERANDO,
    TRAVA,
    OutraImportacaoGravando,
    TransicaoInvalida,
    confirmar,
    criar_importacao,
    desistir_de_esperar,
    executar,
    importar_arquivo,
    paradas,
    retomar,
    retomar_paradas,
    validar,
)
from .validacao import Catalogo, Linha, validar_linha

__all__ = [
    "COLUNAS",
    "COLUNAS_ORGANIZACAO",
    "COLUNAS_PESSOA",
    "ERROS_NA_PREVIA",
    "MENSAGEM_ESPERANDO",
    "MODELOS",
    "ROTULOS",
    "TAMANHO_LOTE",
    "TRAVA",
    "ArquivoInvalido",
    "Catalogo",
    "Linha",
    "OutraImportacaoGravando",
    "TransicaoInvalida",
    "confirmar",
    "criar_importacao",
    "desistir_de_esperar",
    "executar",
    "importar_arquivo",
    "ler",
    "modelo_csv",
    "paradas",
    "retomar",
    "retomar_paradas",
    "validar",
    "validar_linha",
]
