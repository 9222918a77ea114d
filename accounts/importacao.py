"""Importação em massa de pessoas, organizações e vínculos de RL do sistema anterior.

Ciclo de vida de uma ``ImportacaoCadastro`` (única casa das transições, ``_TRANSICOES``)::

    aguardando ──validar──▶ validando ──▶ pronta (prévia com contagens) | falhou
    pronta ──confirmar──▶ importando ──▶ concluida | falhou
    falhou (depois de uma prévia) ──confirmar de novo──▶ importando

A prévia e a importação passam pelo mesmo código (``_Processamento``): lê o arquivo em
fluxo, valida cada linha, separa em lotes de ``TAMANHO_LOTE`` e, por lote, busca de uma
vez (uma consulta cada) as pessoas pelo CPF, as organizações pelo CNPJ e os RLs ativos.
Na prévia só conta; na importação grava o lote numa transação (``bulk_create`` /
``bulk_update``), então as contagens da prévia são as da importação. Idempotente: a
mesma linha de novo não cria nem muda nada. Uma falha no meio deixa os lotes já gravados;
confirmar de novo completa o resto sem duplicar.

Nenhuma senha é calculada: a conta importada recebe a marca de senha inutilizável
(``!`` + aleatório, a mesma forma de ``make_password(None)``) e fica *pendente* até o
primeiro acesso. Conta já ativada ou bloqueada não tem dados pessoais, senha ou situação
alterados pela importação.
"""

import codecs
import csv
import io
import logging
import re
import secrets
import tempfile
import time
from dataclasses import dataclass, field
from datetime import date, datetime

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from cagec.lib import copia, travas
from cagec.lib.auditoria import montar, registrar, registrar_em_massa
from cagec.lib.busca import normalizar_busca
from cagec.lib.documentos import (
    cnpj_valido,
    cpf_valido,
    formatar_cnpj,
    normalizar_cnpj,
    normalizar_cpf,
    normalizar_telefone,
    telefone_valido,
)

from .models import ImportacaoCadastro, Usuario

log = logging.getLogger(__name__)
S = ImportacaoCadastro.Status

COLUNAS = (
    "cpf",
    "nome",
    "email",
    "telefone",
    "cnpj",
    "razao_social",
    "natureza_juridica",
    "tipo",
    "municipio",
    "uf",
    "cargo",
    "mandato_inicio",
    "mandato_fim",
)
OPCIONAIS = {"telefone"}
ROTULOS = {
    "cpf": "CPF",
    "nome": "Nome",
    "email": "E-mail",
    "telefone": "Telefone",
    "cnpj": "CNPJ",
    "razao_social": "Razão social",
    "natureza_juridica": "Natureza jurídica",
    "tipo": "Tipo",
    "municipio": "Município",
    "uf": "UF",
    "cargo": "Cargo",
    "mandato_inicio": "Início do mandato",
    "mandato_fim": "Fim do mandato",
    "linha": "Linha",
}
LIMITES = {"nome": 200, "razao_social": 200, "municipio": 120, "cargo": 120, "email": 254}
EXEMPLO = {
    "cpf": "529.982.247-25",
    "nome": "Maria da Silva",
    "email": "maria.silva@exemplo.mg.gov.br",
    "telefone": "(31) 99999-0000",
    "cnpj": "18.000.001/0001-00",
    "razao_social": "MUNICIPIO DE SAO JOSE DAS ALMAS",
    "natureza_juridica": "124-4",
    "tipo": "Município",
    "municipio": "São José das Almas",
    "uf": "MG",
    "cargo": "Prefeita",
    "mandato_inicio": "01/01/2025",
    "mandato_fim": "31/12/2028",
}
UFS = {
    "AC",
    "AL",
    "AM",
    "AP",
    "BA",
    "CE",
    "DF",
    "ES",
    "GO",
    "MA",
    "MG",
    "MS",
    "MT",
    "PA",
    "PB",
    "PE",
    "PI",
    "PR",
    "RJ",
    "RN",
    "RO",
    "RR",
    "RS",
    "SC",
    "SE",
    "SP",
    "TO",
}
TAMANHO_LOTE = 5000
ERROS_NA_PREVIA = 50
_SEPARADORES_ESTRANHOS = ("\t", "|")


class ArquivoInvalido(Exception):
    """O arquivo inteiro não pode ser lido (codificação, separador, cabeçalho, vazio)."""


class TransicaoInvalida(Exception):
    pass


class OutraImportacaoGravando(Exception):
    """Outra importação está gravando agora: esta espera (a task tenta de novo)."""


TRAVA = "accounts.importacao.gravacao"
MENSAGEM_ESPERANDO = "Aguardando o fim de outra importação que está gravando agora."


# --- Ciclo de vida ---------------------------------------------------------------------------
_TRANSICOES = {
    S.AGUARDANDO: {S.VALIDANDO},
    S.VALIDANDO: {S.PRONTA, S.FALHOU},
    S.PRONTA: {S.IMPORTANDO},
    S.IMPORTANDO: {S.CONCLUIDA, S.FALHOU},
    S.FALHOU: {S.IMPORTANDO},
    S.CONCLUIDA: set(),
}


def _transicionar(importacao, para, **campos):
    """Aplica uma transição da tabela (a linha já está travada pelo chamador)."""
    if para not in _TRANSICOES[importacao.status]:
        raise TransicaoInvalida(
            f"Uma importação {importacao.get_status_display().lower()} não pode ficar "
            f"{S(para).label.lower()}."
        )
    importacao.status = para
    for nome, valor in campos.items():
        setattr(importacao, nome, valor)
    importacao.save(update_fields=["status", *campos])


def _travar(importacao_id):
    return ImportacaoCadastro.objects.select_for_update().get(pk=importacao_id)


def criar_importacao(arquivo, *, ator=None, agendar=True):
    """Guarda o arquivo enviado e agenda a prévia (validação sem gravar nada).

    ``arquivo``: um ``File`` (upload do admin ou arquivo local do comando). Com
    ``agendar`` a prévia vai para a fila depois do commit; sem, quem chama roda ``validar``.
    """
    from . import tasks

    nome = (arquivo.name or "arquivo").replace("\\", "/").rsplit("/", 1)[-1][:200]
    with transaction.atomic():
        importacao = ImportacaoCadastro(nome=nome, criado_por=_ator(ator))
        importacao.arquivo.save(nome, arquivo, save=False)
        importacao.save()
        if agendar:
            tasks.validar_importacao.delay_on_commit(importacao.pk)
    return importacao


def validar(importacao_id):
    """Prévia: aguardando → validando → pronta (contagens e erros) ou falhou (arquivo ruim).

    Idempotente: uma importação que já passou da validação não é validada de novo.
    """
    with transaction.atomic():
        importacao = _travar(importacao_id)
        if importacao.status not in (S.AGUARDANDO, S.VALIDANDO):
            return importacao
        if importacao.status == S.AGUARDANDO:
            _transicionar(importacao, S.VALIDANDO, processadas=0)
    try:
        processamento = _processar_arquivo(importacao, gravar=False)
    except ArquivoInvalido as erro:
        return _falhar(importacao.pk, str(erro))
    with transaction.atomic():
        importacao = _travar(importacao_id)
        _guardar_erros(importacao, processamento)
        _transicionar(
            importacao,
            S.PRONTA,
            contagens=processamento.contagens,
            processadas=processamento.contagens["linhas"],
            total=processamento.contagens["linhas"],
            primeiros_erros=processamento.primeiros_erros,
            total_erros=processamento.total_erros,
            arquivo_erros=importacao.arquivo_erros,
        )
    return importacao


def confirmar(importacao, *, ator=None, agendar=True):
    """Pronta (ou falhou depois da prévia) → importando; a gravação vai para a fila."""
    from . import tasks

    with transaction.atomic():
        importacao = _travar(importacao.pk)
        if importacao.status == S.FALHOU and not importacao.contagens:
            raise TransicaoInvalida("O arquivo não passou na validação: envie um arquivo novo.")
        _transicionar(
            importacao,
            S.IMPORTANDO,
            confirmado_por=_ator(ator),
            iniciada_em=timezone.now(),
            processadas=0,
            mensagem="",
        )
        registrar(
            "importacao.confirmada",
            objeto=importacao,
            ator=ator,
            descricao=f"Importação nº {importacao.pk} ({importacao.nome})",
            depois=importacao.contagens,
        )
        if agendar:
            tasks.importar_cadastro.delay_on_commit(importacao.pk)
    return importacao


def executar(importacao_id):
    """Importando → concluida: grava tudo, lote a lote, e recalcula a situação dos afetados.

    Idempotente: concluída não roda de novo; uma importação interrompida (worker morto)
    roda do começo e só grava o que ainda falta.
    """
    importacao = ImportacaoCadastro.objects.get(pk=importacao_id)
    if importacao.status != S.IMPORTANDO:
        return importacao
    # Duas gravações ao mesmo tempo disputariam os mesmos CPFs/CNPJs e a numeração do
    # cadastro: uma de cada vez; a outra espera (``OutraImportacaoGravando``).
    with travas.exclusiva(TRAVA) as obtida:
        if not obtida:
            ImportacaoCadastro.objects.filter(pk=importacao_id).update(mensagem=MENSAGEM_ESPERANDO)
            raise OutraImportacaoGravando(MENSAGEM_ESPERANDO)
        ImportacaoCadastro.objects.filter(pk=importacao_id).update(mensagem="")
        processamento = _gravar(importacao)
    if processamento is None:
        return ImportacaoCadastro.objects.get(pk=importacao_id)
    with transaction.atomic():
        importacao = _travar(importacao_id)
        _guardar_erros(importacao, processamento)
        _transicionar(
            importacao,
            S.CONCLUIDA,
            resultado=processamento.contagens,
            processadas=processamento.contagens["linhas"],
            primeiros_erros=processamento.primeiros_erros,
            total_erros=processamento.total_erros,
            arquivo_erros=importacao.arquivo_erros,
            concluida_em=timezone.now(),
        )
        registrar(
            "importacao.concluida",
            objeto=importacao,
            ator=importacao.confirmado_por,
            descricao=f"Importação nº {importacao.pk} ({importacao.nome})",
            depois=processamento.contagens,
        )
    return importacao


def _gravar(importacao):
    """Grava os lotes e recalcula a situação; None (e a importação falhou) se deu errado."""
    from parceiros import situacao

    try:
        processamento = _processar_arquivo(importacao, gravar=True)
        if processamento.tipos_afetados:
            situacao.recalcular_todos(
                motivo="Importação de cadastro", tipos=sorted(processamento.tipos_afetados)
            )
    except ArquivoInvalido as erro:
        _falhar(importacao.pk, str(erro))
        return None
    except Exception:
        log.exception("Importação %s falhou", importacao.pk)
        _falhar(
            importacao.pk,
            "Erro inesperado durante a importação. Os lotes já gravados ficam; confirme de "
            "novo para completar (nada é duplicado).",
        )
        return None
    return processamento


def desistir_de_esperar(importacao_id):
    """A outra importação não terminou a tempo: esta falha e pode ser confirmada de novo."""
    return _falhar(
        importacao_id,
        "Outra importação ficou gravando por tempo demais. Nada desta foi gravado; confirme "
        "de novo quando a outra terminar.",
    )


def importar_arquivo(arquivo, *, ator=None, confirmar_importacao=False, espera=5, limite=7200):
    """Prévia (e, se pedido, a importação) no próprio processo: comando e testes.

    Com outra importação gravando, espera ``espera`` segundos entre tentativas, até ``limite``.
    """
    importacao = criar_importacao(arquivo, ator=ator, agendar=False)
    importacao = validar(importacao.pk)
    if confirmar_importacao and importacao.status == S.PRONTA:
        confirmar(importacao, ator=ator, agendar=False)
        prazo = time.monotonic() + limite
        while True:
            try:
                importacao = executar(importacao.pk)
                break
            except OutraImportacaoGravando:
                if time.monotonic() >= prazo:
                    importacao = desistir_de_esperar(importacao.pk)
                    break
                time.sleep(espera)
    importacao.refresh_from_db()
    return importacao


def _falhar(importacao_id, mensagem):
    with transaction.atomic():
        importacao = _travar(importacao_id)
        _transicionar(importacao, S.FALHOU, mensagem=mensagem)
    return importacao


def _ator(ator):
    return ator if getattr(ator, "is_authenticated", False) else None


def _guardar_erros(importacao, processamento):
    if importacao.arquivo_erros:
        importacao.arquivo_erros.delete(save=False)
    processamento.arquivo_erros.seek(0)
    importacao.arquivo_erros.save(
        f"erros-importacao-{importacao.pk}.csv", File(processamento.arquivo_erros), save=False
    )
    processamento.arquivo_erros.close()


def _processar_arquivo(importacao, *, gravar):
    with importacao.arquivo.open("rb") as arquivo:
        total, linhas = ler(arquivo, importacao.nome)
        ImportacaoCadastro.objects.filter(pk=importacao.pk).update(total=total, processadas=0)
        processamento = _Processamento(
            Catalogo.carregar(), gravar=gravar, importacao=importacao, total=total
        )
        processamento.executar(linhas)
    return processamento


def modelo_csv():
    """O arquivo-modelo (cabeçalho e uma linha de exemplo), em UTF-8 com BOM para o Excel."""
    saida = io.StringIO()
    escritor = csv.writer(saida, delimiter=";", lineterminator="\r\n")
    escritor.writerow(COLUNAS)
    escritor.writerow([EXEMPLO[c] for c in COLUNAS])
    return "\ufeff" + saida.getvalue()


# --- Leitura (CSV ou XLSX, em fluxo) ---------------------------------------------------------
def _coluna(texto):
    return normalizar_busca(texto).lower().replace(" ", "_").replace("-", "_")


def ler(arquivo, nome=""):
    """(total de linhas de dados, iterador de (número da linha, {coluna: valor})).

    ``arquivo`` aberto em binário. Erros do arquivo inteiro viram ``ArquivoInvalido``
    com a explicação em português; erros de uma linha ficam para a validação.
    """
    inicio = arquivo.read(4)
    arquivo.seek(0)
    if inicio.startswith(b"PK\x03\x04"):
        return _ler_xlsx(arquivo)
    if nome.lower().endswith((".xlsx", ".xls")):
        raise ArquivoInvalido(
            "A planilha não pôde ser aberta: envie um XLSX (Excel 2007 ou mais novo) ou um CSV."
        )
    return _ler_csv(arquivo)


def _contar_linhas_utf8(arquivo):
    """Confere a codificação do arquivo todo (em blocos) e conta as linhas, antes de ler."""
    decodificador = codecs.getincrementaldecoder("utf-8")()
    linhas = 0
    conteudo = False
    while bloco := arquivo.read(1 << 20):
        try:
            texto = decodificador.decode(bloco)
        except UnicodeDecodeError as erro:
            linha = linhas + bloco[: erro.start].count(b"\n") + 1
            raise ArquivoInvalido(
                f"O arquivo não está em UTF-8 (caractere inválido na linha {linha}). "
                "Salve-o como “CSV UTF-8” e envie de novo."
            ) from erro
        linhas += bloco.count(b"\n")
        conteudo = conteudo or bool(texto.strip("\ufeff \r\n\t"))
    try:
        decodificador.decode(b"", final=True)
    except UnicodeDecodeError as erro:
        raise ArquivoInvalido(
            "O arquivo não está em UTF-8 (termina no meio de um caractere). "
            "Salve-o como “CSV UTF-8” e envie de novo."
        ) from erro
    arquivo.seek(0)
    if not conteudo:
        raise ArquivoInvalido("O arquivo está vazio.")
    return linhas


def _cabecalho(colunas_brutas):
    """Nomes das colunas; aceita também os rótulos ("E-mail", "Início do mandato")."""
    apelidos = {_coluna(ROTULOS[c]): c for c in COLUNAS}
    colunas = [apelidos.get(_coluna(c), _coluna(c)) for c in colunas_brutas]
    faltando = [c for c in COLUNAS if c not in colunas]
    return colunas, faltando


def _mensagem_faltando(faltando):
    return "Faltam colunas no cabeçalho: " + ", ".join(faltando) + "."


def _ler_csv(arquivo):
    total = _contar_linhas_utf8(arquivo)
    texto = io.TextIOWrapper(arquivo, encoding="utf-8-sig", newline="")
    primeira = texto.readline()
    while primeira and not primeira.strip():
        primeira = texto.readline()
    opcoes = {}
    for separador in (";", ","):
        brutas = next(csv.reader([primeira], delimiter=separador), [])
        opcoes[separador] = (brutas, *_cabecalho(brutas))
    separador = min(opcoes, key=lambda s: len(opcoes[s][2]))
    _, colunas, faltando = opcoes[separador]
    if len(faltando) == len(COLUNAS):
        if any(s in primeira for s in _SEPARADORES_ESTRANHOS) or any(
            c in _coluna(primeira) for c in ("cpf", "cnpj")
        ):
            raise ArquivoInvalido(
                "Separador de colunas não reconhecido: use ponto e vírgula (;) ou vírgula (,)."
            )
        raise ArquivoInvalido(
            "A primeira linha não é o cabeçalho esperado. " + _mensagem_faltando(faltando)
        )
    if faltando:
        raise ArquivoInvalido(_mensagem_faltando(faltando))
    leitor = csv.reader(texto, delimiter=separador)

    def linhas():
        try:
            for valores in leitor:
                yield leitor.line_num + 1, _como_dict(colunas, valores)
        except UnicodeDecodeError as erro:  # já conferido; só se o arquivo mudar no meio
            raise ArquivoInvalido("O arquivo não está em UTF-8.") from erro
        except csv.Error as erro:
            raise ArquivoInvalido(
                f"CSV malformado perto da linha {leitor.line_num + 1}: confira as aspas."
            ) from erro

    return max(total - 1, 0), linhas()


def _como_dict(colunas, valores):
    """Valores por coluna; colunas a mais ou a menos viram o erro ``_colunas``."""
    if not any(str(v).strip() for v in valores if v is not None):
        return None
    dados = {}
    for coluna, valor in zip(colunas, valores, strict=False):
        if coluna in COLUNAS:
            dados[coluna] = valor
    sobra = [v for v in valores[len(colunas) :] if v not in (None, "")]
    if len(valores) < len(colunas) or sobra:
        dados["_colunas"] = (len(valores), len(colunas))
    return dados


def _ler_xlsx(arquivo):
    from openpyxl import load_workbook

    try:
        livro = load_workbook(arquivo, read_only=True, data_only=True)
        planilha = livro.worksheets[0]
        linhas = planilha.iter_rows(values_only=True)
        primeira = next(linhas, None)
    except Exception as erro:  # zip corrompido, XML inválido: tudo é "não abre"
        raise ArquivoInvalido(
            "A planilha não pôde ser aberta: envie um XLSX válido (Excel 2007 ou mais novo)."
        ) from erro
    if primeira is None or not any(v not in (None, "") for v in primeira):
        raise ArquivoInvalido("O arquivo está vazio.")
    colunas, faltando = _cabecalho(str(v or "") for v in primeira)
    if faltando:
        raise ArquivoInvalido(_mensagem_faltando(faltando))
    total = max((planilha.max_row or 1) - 1, 0)

    def iterar():
        for numero, valores in enumerate(linhas, start=2):
            dados = _como_dict(colunas, [_celula(v) for v in valores])
            if dados is not None:
                for coluna, tamanho in (("cpf", 11), ("cnpj", 14)):
                    # Número no Excel perde os zeros à esquerda: 01234567890 → 1234567890.
                    valor = dados.get(coluna, "")
                    if valor.isdigit() and len(valor) < tamanho:
                        dados[coluna] = valor.zfill(tamanho)
            yield numero, dados
        livro.close()

    return total, iterar()


def _celula(valor):
    if valor is None:
        return ""
    if isinstance(valor, datetime):
        return valor.date().isoformat()
    if isinstance(valor, date):
        return valor.isoformat()
    if isinstance(valor, float) and valor.is_integer():
        return str(int(valor))
    return str(valor)


# --- Validação de uma linha ------------------------------------------------------------------
@dataclass(frozen=True)
class Catalogo:
    """Naturezas (código → id) e Tipos ativos (nome sem acento → (id, nome, naturezas))."""

    naturezas: dict
    tipos: dict

    @classmethod
    def carregar(cls):
        from parceiros.models import NaturezaJuridica, TipoParceiro

        naturezas = dict(NaturezaJuridica.objects.values_list("codigo", "pk"))
        permitidas = {}
        for tipo_id, natureza_id in TipoParceiro.naturezas.through.objects.values_list(
            "tipoparceiro_id", "naturezajuridica_id"
        ):
            permitidas.setdefault(tipo_id, set()).add(natureza_id)
        tipos = {
            normalizar_busca(nome): (pk, nome, frozenset(permitidas.get(pk, ())))
            for pk, nome in TipoParceiro.objects.filter(ativo=True).values_list("pk", "nome")
        }
        return cls(naturezas, tipos)


@dataclass(slots=True)
class Linha:
    """Uma linha válida, já normalizada."""

    linha: int
    cpf: str
    nome: str
    email: str
    telefone: str
    cnpj: str
    razao_social: str
    natureza_id: int
    tipo_id: int
    municipio: str
    uf: str
    cargo: str
    mandato_inicio: date
    mandato_fim: date
    primeira_do_cpf: bool = False

    @property
    def pessoa(self):
        return (self.nome, self.email, self.telefone)

    @property
    def organizacao(self):
        return (self.razao_social, self.natureza_id, self.tipo_id, self.municipio, self.uf)

    @property
    def mandato(self):
        return (self.cargo, self.mandato_inicio, self.mandato_fim)


# Categorias Unicode Cc (controle C0, DEL e C1) e Cs (metades de par substituto).
_CONTROLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_DATAS = (
    re.compile(r"(?P<d>[0-9]{2})/(?P<m>[0-9]{2})/(?P<a>[0-9]{4})"),
    re.compile(r"(?P<a>[0-9]{4})-(?P<m>[0-9]{2})-(?P<d>[0-9]{2})"),
)


def _invalido(texto):
    return _CONTROLE.search(texto) is not None


def _data(texto):
    """dd/mm/aaaa ou aaaa-mm-dd, de 1900 a 2100; None se não for uma data."""
    for formato in _DATAS:
        partes = formato.fullmatch(texto)
        if partes is None:
            continue
        try:
            valor = date(int(partes["a"]), int(partes["m"]), int(partes["d"]))
        except ValueError:
            return None
        return valor if 1900 <= valor.year <= 2100 else None
    return None


def validar_linha(valores, catalogo, numero=0):
    """(``Linha`` ou None, [(coluna, motivo em português)]). Nunca levanta exceção."""
    if "_colunas" in valores:
        tem, esperado = valores["_colunas"]
        return None, [
            ("linha", f"A linha tem {tem} colunas e o cabeçalho, {esperado} (confira o separador).")
        ]
    erros = []
    dados = {}
    for coluna in COLUNAS:
        texto = " ".join(str(valores.get(coluna) or "").split())
        if _invalido(texto):
            erros.append((coluna, "contém caracteres de controle"))
            texto = ""
        elif not texto and coluna not in OPCIONAIS:
            erros.append((coluna, "campo obrigatório em branco"))
        elif coluna in LIMITES and len(texto) > LIMITES[coluna]:
            erros.append((coluna, f"mais de {LIMITES[coluna]} caracteres"))
            texto = ""
        dados[coluna] = texto

    cpf = normalizar_cpf(dados["cpf"])
    if dados["cpf"] and not cpf_valido(cpf):
        motivo = "deve ter 11 dígitos" if not re.fullmatch(r"[0-9]{11}", cpf) else None
        erros.append(("cpf", motivo or "dígitos verificadores não conferem"))
    if dados["email"]:
        try:
            validate_email(dados["email"])
        except ValidationError:
            erros.append(("email", "e-mail inválido"))
    telefone = normalizar_telefone(dados["telefone"])
    if dados["telefone"] and not telefone_valido(telefone):
        erros.append(("telefone", "telefone inválido (DDD + 8 ou 9 dígitos)"))
    cnpj = normalizar_cnpj(dados["cnpj"])
    if dados["cnpj"] and not cnpj_valido(cnpj):
        forma = re.fullmatch(r"[0-9A-Z]{12}[0-9]{2}", cnpj)
        erros.append(
            ("cnpj", "dígitos verificadores não conferem" if forma else "deve ter 14 caracteres")
        )
    natureza_id = None
    codigo = re.sub(r"[\s.\-]", "", dados["natureza_juridica"])
    if dados["natureza_juridica"]:
        if not re.fullmatch(r"[0-9]{4}", codigo):
            erros.append(("natureza_juridica", "formato inválido (use 124-4 ou 1244)"))
        elif codigo not in catalogo.naturezas:
            erros.append(
                ("natureza_juridica", f"{codigo[:3]}-{codigo[3:]} não existe na tabela da Receita")
            )
        else:
            natureza_id = catalogo.naturezas[codigo]
    tipo_id = None
    if dados["tipo"]:
        tipo = catalogo.tipos.get(normalizar_busca(dados["tipo"]))
        if tipo is None:
            erros.append(("tipo", f"tipo de parceiro desconhecido: “{dados['tipo'][:80]}”"))
        elif natureza_id is not None and natureza_id not in tipo[2]:
            erros.append(
                (
                    "tipo",
                    f"“{tipo[1]}” não é permitido para a natureza jurídica "
                    f"{codigo[:3]}-{codigo[3:]}",
                )
            )
        else:
            tipo_id = tipo[0]
    uf = dados["uf"].upper()
    if uf and uf not in UFS:
        erros.append(("uf", "UF inválida (use a sigla, por exemplo MG)"))
    datas = {}
    for coluna in ("mandato_inicio", "mandato_fim"):
        if dados[coluna]:
            datas[coluna] = _data(dados[coluna])
            if datas[coluna] is None:
                erros.append((coluna, "data em formato inválido (use dd/mm/aaaa ou aaaa-mm-dd)"))
    inicio, fim = datas.get("mandato_inicio"), datas.get("mandato_fim")
    if inicio and fim and fim < inicio:
        erros.append(("mandato_fim", "o fim do mandato é anterior ao início"))
    if erros:
        return None, erros
    return (
        Linha(
            linha=numero,
            cpf=cpf,
            nome=dados["nome"],
            email=dados["email"],
            telefone=telefone,
            cnpj=cnpj,
            razao_social=dados["razao_social"],
            natureza_id=natureza_id,
            tipo_id=tipo_id,
            municipio=dados["municipio"],
            uf=uf,
            cargo=dados["cargo"],
            mandato_inicio=inicio,
            mandato_fim=fim,
        ),
        [],
    )


# --- Processamento em lotes ------------------------------------------------------------------
def _contagens_vazias():
    grupo = {"novos": 0, "atualizados": 0, "inalterados": 0}
    return {
        "linhas": 0,
        "validas": 0,
        "invalidas": 0,
        "repetidas": 0,
        "pessoas": {**grupo, "mantidos": 0},
        "organizacoes": dict(grupo),
        "vinculos": {**grupo, "encerrados": 0},
    }


def senha_inutilizavel():
    """A marca de ``make_password(None)`` (``!`` + 40 aleatórios) sem passar por hasher.

    ``make_password(None)`` custa ~50 µs (``get_random_string`` caractere a caractere):
    5 s em 100 000 linhas. ``token_urlsafe`` dá o mesmo tamanho e aleatoriedade.
    """
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


@dataclass
class _Processamento:
    catalogo: Catalogo
    gravar: bool
    importacao: ImportacaoCadastro | None = None
    total: int = 0
    contagens: dict = field(default_factory=_contagens_vazias)
    primeiros_erros: list = field(default_factory=list)
    total_erros: int = 0
    tipos_afetados: set = field(default_factory=set)
    _cpfs: dict = field(default_factory=dict)  # cpf → (linha, hash dos dados da pessoa)
    _cnpjs: dict = field(default_factory=dict)  # cnpj → (linha, cpf, hash do resto)

    def __post_init__(self):
        # Fechado por _guardar_erros, depois de copiado para o armazenamento.
        self.arquivo_erros = tempfile.SpooledTemporaryFile(max_size=4 << 20)  # noqa: SIM115
        self._texto_erros = io.TextIOWrapper(
            self.arquivo_erros, encoding="utf-8-sig", newline="", write_through=True
        )
        self._escritor = csv.writer(self._texto_erros, delimiter=";", lineterminator="\r\n")
        self._escritor.writerow(["linha", "coluna", "motivo"])
        self.ator = self.importacao.confirmado_por if self.importacao else None

    def executar(self, linhas):
        lote = []
        for numero, valores in linhas:
            if valores is None:
                continue
            self.contagens["linhas"] += 1
            linha = self._aceitar(numero, valores)
            if linha is not None:
                lote.append(linha)
            if len(lote) >= TAMANHO_LOTE:
                self._lote(lote)
                lote = []
        if lote:
            self._lote(lote)
        self._texto_erros.flush()
        self._texto_erros.detach()

    def _erro(self, numero, erros):
        self.contagens["invalidas"] += 1
        for coluna, motivo in erros:
            self.total_erros += 1
            self._escritor.writerow([numero, ROTULOS.get(coluna, coluna), motivo])
            if len(self.primeiros_erros) < ERROS_NA_PREVIA:
                self.primeiros_erros.append(
                    {"linha": numero, "coluna": ROTULOS.get(coluna, coluna), "motivo": motivo}
                )

    def _aceitar(self, numero, valores):
        """Valida a linha e confere com as anteriores do arquivo (a primeira vale)."""
        linha, erros = validar_linha(valores, self.catalogo, numero)
        if linha is None:
            self._erro(numero, erros)
            return None
        pessoa = hash(linha.pessoa)
        anterior = self._cpfs.get(linha.cpf)
        if anterior and anterior[1] != pessoa:
            self._erro(
                numero,
                [("cpf", f"CPF repetido no arquivo (linha {anterior[0]}) com outros dados")],
            )
            return None
        resto = hash((linha.organizacao, linha.mandato))
        outra = self._cnpjs.get(linha.cnpj)
        if outra and outra[1] != linha.cpf:
            self._erro(
                numero,
                [
                    (
                        "cnpj",
                        f"CNPJ repetido no arquivo (linha {outra[0]}) com outro "
                        "representante legal",
                    )
                ],
            )
            return None
        if outra and outra[2] != resto:
            self._erro(
                numero, [("cnpj", f"CNPJ repetido no arquivo (linha {outra[0]}) com outros dados")]
            )
            return None
        if outra:
            self.contagens["repetidas"] += 1  # a mesma linha de novo: nada a fazer
            return None
        if anterior is None:
            self._cpfs[linha.cpf] = (numero, pessoa)
            linha.primeira_do_cpf = True
        self._cnpjs[linha.cnpj] = (numero, linha.cpf, resto)
        self.contagens["validas"] += 1
        return linha

    def _lote(self, lote):
        if self.gravar:
            with transaction.atomic():
                _Lote(self, lote).aplicar()
                self._progresso()
        else:
            _Lote(self, lote).aplicar()
            self._progresso()

    def _progresso(self):
        if self.importacao is None:
            return
        campo = "resultado" if self.gravar else "contagens"
        ImportacaoCadastro.objects.filter(pk=self.importacao.pk).update(
            processadas=self.contagens["linhas"], **{campo: self.contagens}
        )


_CAMPOS_PARCEIRO = (
    "razao_social",
    "natureza_juridica_id",
    "municipio",
    "uf",
    "busca_nome",
    "busca_municipio",
)


class _Lote:
    """Um lote: uma consulta por tabela para o que já existe, depois gravações em massa."""

    def __init__(self, processamento, linhas):
        self.p = processamento
        self.linhas = linhas
        self.c = processamento.contagens
        self.agora = timezone.now()
        self.auditoria = []
        self.alteradas = set()

    def aplicar(self):
        from parceiros.models import Parceiro, Vinculo

        cpfs = {linha.cpf for linha in self.linhas}
        self.usuarios = {
            cpf: (pk, nome, email, telefone, situacao)
            for pk, cpf, nome, email, telefone, situacao in Usuario.objects.filter(
                cpf__in=cpfs
            ).values_list("pk", "cpf", "nome", "email", "telefone", "situacao")
        }
        self.parceiros = {
            cnpj: (pk, resto)
            for pk, cnpj, *resto in Parceiro.objects.filter(
                cnpj__in=[linha.cnpj for linha in self.linhas]
            ).values_list(
                "pk", "cnpj", "razao_social", "natureza_juridica_id", "tipo_id", "municipio", "uf"
            )
        }
        self.rls = {}  # parceiro_id → (vinculo_id, cpf, (cargo, início, fim))
        self.ris = {}  # (parceiro_id, usuario_id) → vinculo_id (vínculos ativos de RI)
        ids = [pk for pk, _ in self.parceiros.values()]
        for vinculo in Vinculo.objects.filter(parceiro_id__in=ids, ativo=True).values_list(
            "pk",
            "parceiro_id",
            "usuario_id",
            "usuario__cpf",
            "papel",
            "cargo",
            "mandato_inicio",
            "mandato_fim",
        ):
            pk, parceiro_id, usuario_id, cpf, papel, *mandato = vinculo
            if papel == Vinculo.Papel.RL:
                self.rls[parceiro_id] = (pk, cpf, tuple(mandato))
            else:
                self.ris[(parceiro_id, usuario_id)] = pk
        self._pessoas()
        self._organizacoes()
        self._vinculos()
        if self.auditoria:
            registrar_em_massa(self.auditoria)

    # Pessoas
    def _pessoas(self):
        novas, alteradas = [], []
        for linha in self.linhas:
            if not linha.primeira_do_cpf:
                continue
            existente = self.usuarios.get(linha.cpf)
            if existente is None:
                self.c["pessoas"]["novos"] += 1
                novas.append(linha)
                continue
            pk, nome, email, telefone, situacao = existente
            antes = {"nome": nome, "email": email, "telefone": telefone}
            depois = {
                "nome": linha.nome,
                "email": linha.email,
                "telefone": linha.telefone or telefone,
            }
            if antes == depois:
                self.c["pessoas"]["inalterados"] += 1
            elif situacao != Usuario.Situacao.PENDENTE:
                # Conta já ativada (ou bloqueada): os dados são da pessoa, não do arquivo.
                self.c["pessoas"]["mantidos"] += 1
            else:
                self.c["pessoas"]["atualizados"] += 1
                alteradas.append((pk, antes, depois))
        if not self.p.gravar:
            return
        copia.inserir(
            Usuario,
            ("cpf", "nome", "email", "telefone", "situacao", "origem", "password", "created_at"),
            (
                (
                    linha.cpf,
                    linha.nome,
                    linha.email,
                    linha.telefone,
                    Usuario.Situacao.PENDENTE.value,
                    Usuario.Origem.IMPORTACAO.value,
                    senha_inutilizavel(),
                    self.agora,
                )
                for linha in novas
            ),
        )
        if novas:
            for pk, cpf in Usuario.objects.filter(
                cpf__in=[linha.cpf for linha in novas]
            ).values_list("pk", "cpf"):
                self.usuarios[cpf] = (pk, None, None, None, Usuario.Situacao.PENDENTE)
        if alteradas:
            objetos = [
                Usuario(pk=pk, updated_at=self.agora, **depois) for pk, _, depois in alteradas
            ]
            Usuario.objects.bulk_update(
                objetos, ["nome", "email", "telefone", "updated_at"], batch_size=500
            )
            self.auditoria += [
                montar(
                    "usuario.importacao_atualizado",
                    objeto=objeto,
                    ator=self.p.ator,
                    descricao=f"Importação nº {self.p.importacao.pk}" if self.p.importacao else "",
                    antes=antes,
                    depois=depois,
                )
                for objeto, (_, antes, depois) in zip(objetos, alteradas, strict=True)
            ]

    # Organizações
    def _organizacoes(self):
        from parceiros.models import Parceiro, Sequencia

        novas, alteradas = [], []
        for linha in self.linhas:
            existente = self.parceiros.get(linha.cnpj)
            if existente is None:
                self.c["organizacoes"]["novos"] += 1
                novas.append(linha)
            elif tuple(existente[1]) == linha.organizacao:
                self.c["organizacoes"]["inalterados"] += 1
            else:
                self.c["organizacoes"]["atualizados"] += 1
                alteradas.append((existente[0], existente[1], linha))
        if not self.p.gravar:
            return
        self.alteradas = {pk for pk, _, _ in alteradas}
        if novas:
            Sequencia.objects.get_or_create(nome="numero_cadastro")
            sequencia = Sequencia.objects.select_for_update().get(nome="numero_cadastro")
            maior = Parceiro.objects.aggregate(m=Max("numero_cadastro"))["m"] or 0
            primeiro = max(sequencia.ultimo, maior) + 1
            sequencia.ultimo = primeiro + len(novas) - 1
            sequencia.save(update_fields=["ultimo"])
            campos = ("cnpj", "numero_cadastro", "tipo_id", "situacao_cadastral")
            campos += ("receita_consultada_em", *_CAMPOS_PARCEIRO)
            copia.inserir(
                Parceiro,
                campos,
                (
                    (linha.cnpj, primeiro + i, linha.tipo_id, "ATIVA", self.agora)
                    + self._campos_parceiro(linha)
                    for i, linha in enumerate(novas)
                ),
            )
            for pk, cnpj in Parceiro.objects.filter(
                cnpj__in=[linha.cnpj for linha in novas]
            ).values_list("pk", "cnpj"):
                self.parceiros[cnpj] = (pk, None)
            self.p.tipos_afetados.update(linha.tipo_id for linha in novas)
        if alteradas:
            objetos = [
                Parceiro(
                    pk=pk,
                    tipo_id=linha.tipo_id,
                    updated_at=self.agora,
                    **dict(zip(_CAMPOS_PARCEIRO, self._campos_parceiro(linha), strict=True)),
                )
                for pk, _, linha in alteradas
            ]
            Parceiro.objects.bulk_update(
                objetos,
                [
                    "razao_social",
                    "natureza_juridica",
                    "tipo",
                    "municipio",
                    "uf",
                    "busca_nome",
                    "busca_municipio",
                    "updated_at",
                ],
                batch_size=500,
            )
            campos = ("razao_social", "natureza_juridica", "tipo", "municipio", "uf")
            for objeto, (_, antes, linha) in zip(objetos, alteradas, strict=True):
                if antes[2] != linha.tipo_id:
                    self.p.tipos_afetados.update({antes[2], linha.tipo_id})
                self.auditoria.append(
                    montar(
                        "parceiro.importacao_atualizado",
                        objeto=objeto,
                        ator=self.p.ator,
                        descricao=f"{formatar_cnpj(linha.cnpj)}: dados da importação",
                        antes=dict(zip(campos, antes, strict=True)),
                        depois=dict(zip(campos, linha.organizacao, strict=True)),
                    )
                )

    @staticmethod
    def _campos_parceiro(linha):
        """Os valores de ``_CAMPOS_PARCEIRO`` que vêm da linha (mais os textos de busca)."""
        from parceiros.models import Parceiro

        busca_nome, busca_municipio = Parceiro.textos_de_busca(
            linha.razao_social, "", linha.municipio
        )
        return (
            linha.razao_social,
            linha.natureza_id,
            linha.municipio,
            linha.uf,
            busca_nome,
            busca_municipio,
        )

    # Vínculos de RL
    def _vinculos(self):
        from parceiros import situacao
        from parceiros.models import Parceiro, Solicitacao, Vinculo

        novos, alterados, encerrar, trocados = [], [], [], []
        for linha in self.linhas:
            parceiro_id = self.parceiros.get(linha.cnpj, (None,))[0]  # prévia: ainda não existe
            atual = self.rls.get(parceiro_id)
            if atual is not None and atual[1] == linha.cpf:
                if atual[2] == linha.mandato:
                    self.c["vinculos"]["inalterados"] += 1
                else:
                    self.c["vinculos"]["atualizados"] += 1
                    alterados.append((atual[0], atual[2], linha))
                continue
            self.c["vinculos"]["novos"] += 1
            novos.append(linha)
            if atual is not None:
                self.c["vinculos"]["encerrados"] += 1
                encerrar.append(atual[0])
                trocados.append(parceiro_id)
        if not self.p.gravar:
            return
        # Como ``vincular_rl``: o novo RL que era RI da organização deixa de ser RI.
        for linha in novos:
            parceiro_id = self.parceiros[linha.cnpj][0]
            ri = self.ris.get((parceiro_id, self.usuarios[linha.cpf][0]))
            if ri:
                encerrar.append(ri)
        if encerrar:
            Vinculo.objects.filter(pk__in=encerrar).update(
                ativo=False, encerrado_em=self.agora, encerrado_por=self.p.ator
            )
        ator_id = self.p.ator.pk if self.p.ator else None
        copia.inserir(
            Vinculo,
            ("usuario_id", "parceiro_id", "papel", "cargo", "mandato_inicio", "mandato_fim")
            + ("criado_por_id",),
            (
                (
                    self.usuarios[linha.cpf][0],
                    self.parceiros[linha.cnpj][0],
                    Vinculo.Papel.RL.value,
                    linha.cargo,
                    linha.mandato_inicio,
                    linha.mandato_fim,
                    ator_id,
                )
                for linha in novos
            ),
        )
        if alterados:
            Vinculo.objects.bulk_update(
                [
                    Vinculo(
                        pk=pk,
                        cargo=linha.cargo,
                        mandato_inicio=linha.mandato_inicio,
                        mandato_fim=linha.mandato_fim,
                    )
                    for pk, _, linha in alterados
                ],
                ["cargo", "mandato_inicio", "mandato_fim"],
                batch_size=500,
            )
        for pk, usuario_id in Vinculo.objects.filter(
            parceiro_id__in=trocados, papel=Vinculo.Papel.RL, ativo=True
        ).values_list("pk", "usuario_id"):
            self.auditoria.append(
                montar(
                    "vinculo.rl",
                    objeto=Vinculo(pk=pk),
                    ator=self.p.ator,
                    usuario_afetado=Usuario(pk=usuario_id),
                    descricao="RL substituído pela importação",
                )
            )
        campos = ("cargo", "mandato_inicio", "mandato_fim")
        for pk, antes, linha in alterados:
            self.auditoria.append(
                montar(
                    "vinculo.importacao_atualizado",
                    objeto=Vinculo(pk=pk),
                    ator=self.p.ator,
                    usuario_afetado=Usuario(pk=self.usuarios[linha.cpf][0]),
                    descricao="Cargo ou mandato atualizado pela importação",
                    antes={c: str(v) for c, v in zip(campos, antes, strict=True)},
                    depois={c: str(v) for c, v in zip(campos, linha.mandato, strict=True)},
                )
            )
        if trocados:
            # Pedidos abertos que o RL assina passam a esperar o novo RL (como vincular_rl).
            T, St = Solicitacao.Tipo, Solicitacao.Status
            Solicitacao.objects.filter(
                parceiro_id__in=trocados,
                tipo__in=[T.DADOS, T.DOCUMENTOS, T.INSCRICAO_RI],
                status__in=[St.RASCUNHO, St.AGUARDANDO_ASSINATURA, St.DEVOLVIDA],
            ).update(
                representante_legal=Subquery(
                    Vinculo.objects.filter(
                        parceiro_id=OuterRef("parceiro_id"), papel=Vinculo.Papel.RL, ativo=True
                    ).values("usuario_id")[:1]
                )
            )
        mandatos = {self.parceiros[linha.cnpj][0] for _, _, linha in alterados}
        mudaram = set(trocados) | self.alteradas | mandatos
        if mudaram:
            # Nome, RL ou mandato no registro público: o CRC do dia é emitido de novo, e a
            # situação é recalculada (documentos que vencem com o mandato).
            situacao.marcar_alteracao(Parceiro.objects.filter(pk__in=mudaram))
            self.p.tipos_afetados.update(
                Parceiro.objects.filter(pk__in=mudaram).values_list("tipo_id", flat=True)
            )
