"""Processamento do arquivo: linhas válidas, repetidas e inválidas (CSV de erros), em lotes."""

import csv
import io
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from cagec.lib.arquivos import celula_csv_segura

from ..models import ImportacaoCadastro
from . import organizacoes as orgs
from .leitura import ROTULOS, LinhaLida
from .lote import Lote
from .validacao import Catalogo, validar_linha

TAMANHO_LOTE = 5000  # ``settings.IMPORTACAO_TAMANHO_LOTE`` (se não zero) vale no lugar
ERROS_NA_PREVIA = 50
# As contagens que dependem do que já está no banco: guardadas por lote gravado.
GRUPOS_DO_LOTE = ("pessoas", "organizacoes", "vinculos")


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


@dataclass
class Processamento:
    catalogo: Catalogo
    gravar: bool
    importacao: ImportacaoCadastro | None = None
    total: int = 0
    contagens: dict = field(default_factory=_contagens_vazias)
    primeiros_erros: list = field(default_factory=list)
    total_erros: int = 0
    tipos_afetados: set = field(default_factory=set)
    # Segundo arquivo (``organizacoes.indexar``); None quando tudo vem num arquivo só.
    organizacoes: dict | None = None
    _cpfs: dict = field(default_factory=dict)  # cpf → (linha, hash dos dados da pessoa)
    _cnpjs: dict = field(default_factory=dict)  # cnpj → (linha, cpf, hash do resto)
    numero_lote: int = 0
    # Lotes já gravados desta importação (``ImportacaoCadastro.lotes``): número → contagens.
    lotes: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.gravar and self.importacao is not None:
            self.lotes = dict(self.importacao.lotes or {})
        # Fechado por _guardar_erros, depois de copiado para o armazenamento.
        self.arquivo_erros = tempfile.SpooledTemporaryFile(max_size=4 << 20)  # noqa: SIM115
        self._texto_erros = io.TextIOWrapper(
            self.arquivo_erros, encoding="utf-8-sig", newline="", write_through=True
        )
        self._escritor = csv.writer(self._texto_erros, delimiter=";", lineterminator="\r\n")
        self._escritor.writerow(["arquivo", "linha", "coluna", "motivo"])
        self.ator = self.importacao.confirmado_por if self.importacao else None
        self.nome = self.importacao.nome if self.importacao else ""
        self.nome_organizacoes = self.importacao.nome_organizacoes if self.importacao else ""

    def indexar_organizacoes(self, linhas: Iterable[LinhaLida]) -> None:
        """Lê o arquivo de organizações (antes do principal); linhas sem CNPJ útil são erros."""
        self.contagens["arquivo_organizacoes"] = {"linhas": 0, "com_erro": 0, "sem_rl": 0}

        def contadas():
            for numero, valores in linhas:
                if valores is not None:
                    self.contagens["arquivo_organizacoes"]["linhas"] += 1
                yield numero, valores

        self.organizacoes = orgs.indexar(contadas(), self._erro_de_organizacao)

    def executar(self, linhas: Iterable[LinhaLida]) -> None:
        tamanho = settings.IMPORTACAO_TAMANHO_LOTE or TAMANHO_LOTE
        lote = []
        for numero, valores in linhas:
            if valores is None:
                continue
            self.contagens["linhas"] += 1
            linha = self._aceitar(numero, valores)
            if linha is not None:
                lote.append(linha)
            if len(lote) >= tamanho:
                self._lote(lote)
                lote = []
        if lote:
            self._lote(lote)
        if self.organizacoes is not None:
            for organizacao in orgs.sem_representante(self.organizacoes):
                self.contagens["arquivo_organizacoes"]["sem_rl"] += 1
                self._escrever_erro(
                    self.nome_organizacoes,
                    organizacao.linha,
                    "cnpj",
                    "nenhuma pessoa do arquivo principal tem este CNPJ: organização não importada",
                )
        self._texto_erros.flush()
        self._texto_erros.detach()

    def _erro(self, numero, erros):
        """Uma linha inválida do arquivo principal."""
        self.contagens["invalidas"] += 1
        for coluna, motivo in erros:
            self._escrever_erro(self.nome, numero, coluna, motivo)

    def _erro_de_organizacao(self, numero, erros):
        """Uma linha com erro no arquivo de organizações (relatada uma vez)."""
        self.contagens["arquivo_organizacoes"]["com_erro"] += 1
        for coluna, motivo in erros:
            self._escrever_erro(self.nome_organizacoes, numero, coluna, motivo)

    def _escrever_erro(self, arquivo, numero, coluna, motivo):
        self.total_erros += 1
        rotulo = ROTULOS.get(coluna, coluna)
        # O nome do arquivo e os motivos (que podem citar o valor de uma célula) vêm de quem
        # enviou: nada começa como fórmula quando o CSV for aberto numa planilha.
        self._escritor.writerow([celula_csv_segura(c) for c in (arquivo, numero, rotulo, motivo)])
        if len(self.primeiros_erros) < ERROS_NA_PREVIA:
            self.primeiros_erros.append(
                {"arquivo": arquivo, "linha": numero, "coluna": rotulo, "motivo": motivo}
            )

    def _validar(self, numero, valores):
        """``validar_linha``; com o arquivo de organizações, as colunas dela vêm de lá."""
        if self.organizacoes is None:
            return validar_linha(valores, self.catalogo, numero)
        valores, organizacao = orgs.completar(valores, self.organizacoes)
        linha, erros = validar_linha(valores, self.catalogo, numero)
        proprios = [e for e in erros if e[0] not in orgs.DA_ORGANIZACAO]
        if organizacao is None:
            if not any(coluna == "cnpj" for coluna, _ in proprios):
                proprios.append(("cnpj", "CNPJ não está no arquivo de organizações"))
            return None, proprios
        da_organizacao = [e for e in erros if e[0] in orgs.DA_ORGANIZACAO]
        if organizacao.conflito:
            motivo = f"CNPJ repetido na linha {organizacao.conflito} com outros dados"
            da_organizacao.insert(0, ("cnpj", motivo))
        if not da_organizacao:
            return linha, erros
        if not organizacao.relatada:
            organizacao.relatada = True
            self._erro_de_organizacao(organizacao.linha, da_organizacao)
        linha_org = organizacao.linha
        aviso = f"a organização tem erros no arquivo de organizações (linha {linha_org})"
        return None, [*proprios, ("cnpj", aviso)]

    def _aceitar(self, numero, valores):
        """Valida a linha e confere com as anteriores do arquivo (a primeira vale)."""
        linha, erros = self._validar(numero, valores)
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
        self.numero_lote += 1
        if not self.gravar:
            Lote(self, lote).aplicar()
            self._progresso()
            return
        chave = str(self.numero_lote)
        gravado = self.lotes.get(chave)
        if gravado is not None and gravado.get("ate_linha") == lote[-1].linha:
            # Gravado por uma passada anterior (worker morto, retomada): não grava de novo,
            # mas as contagens dele entram no resultado, que é o da importação inteira.
            self._somar(gravado)
            self._progresso()
            return
        antes = {grupo: dict(self.contagens[grupo]) for grupo in GRUPOS_DO_LOTE}
        tipos = set(self.tipos_afetados)
        with transaction.atomic():
            Lote(self, lote).aplicar()
            self.lotes[chave] = {
                "ate_linha": lote[-1].linha,
                "tipos": sorted(self.tipos_afetados - tipos),
                **{
                    grupo: {k: v - antes[grupo][k] for k, v in self.contagens[grupo].items()}
                    for grupo in GRUPOS_DO_LOTE
                },
            }
            self._progresso(lotes=self.lotes)

    def _somar(self, gravado):
        for grupo in GRUPOS_DO_LOTE:
            for chave, valor in gravado.get(grupo, {}).items():
                self.contagens[grupo][chave] = self.contagens[grupo].get(chave, 0) + valor
        self.tipos_afetados.update(gravado.get("tipos", []))

    def _progresso(self, **campos):
        if self.importacao is None:
            return
        campo = "resultado" if self.gravar else "contagens"
        ImportacaoCadastro.objects.filter(pk=self.importacao.pk).update(
            processadas=self.contagens["linhas"],
            progresso_em=timezone.now(),
            **{campo: self.contagens},
            **campos,
        )
