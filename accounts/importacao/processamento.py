"""Processamento do arquivo: linhas válidas, repetidas e inválidas (CSV de erros), em lotes."""

import csv
import io
import tempfile
from dataclasses import dataclass, field

from django.db import transaction

from ..models import ImportacaoCadastro
from .leitura import ROTULOS
from .lote import Lote
from .validacao import Catalogo, validar_linha

TAMANHO_LOTE = 5000
ERROS_NA_PREVIA = 50


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
                Lote(self, lote).aplicar()
                self._progresso()
        else:
            Lote(self, lote).aplicar()
            self._progresso()

    def _progresso(self):
        if self.importacao is None:
            return
        campo = "resultado" if self.gravar else "contagens"
        ImportacaoCadastro.objects.filter(pk=self.importacao.pk).update(
            processadas=self.contagens["linhas"], **{campo: self.contagens}
        )
