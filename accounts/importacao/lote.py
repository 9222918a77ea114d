"""Um lote da importação: uma consulta por tabela para o que já existe, depois gravação em massa."""

import secrets

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from cagec.lib import copia
from cagec.lib.auditoria import montar, registrar_em_massa
from cagec.lib.documentos import (
    formatar_cnpj,
)

from ..models import Usuario


def senha_inutilizavel():
    """A marca de ``make_password(None)`` (``!`` + 40 aleatórios) sem passar por hasher.

    ``make_password(None)`` custa ~50 µs (``get_random_string`` caractere a caractere):
    5 s em 100 000 linhas. ``token_urlsafe`` dá o mesmo tamanho e aleatoriedade.
    """
    return UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)


_CAMPOS_PARCEIRO = (
    "razao_social",
    "natureza_juridica_id",
    "municipio",
    "uf",
    "busca_nome",
    "busca_municipio",
)


class Lote:
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
            # O registro do sistema anterior do Estado vale pela confirmação do CPF.
            (
                *("cpf", "nome", "email", "telefone", "situacao", "origem", "password"),
                *("created_at", "cpf_confirmado_em", "cpf_confirmado_por"),
            ),
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
                    self.agora,
                    Usuario.ConfirmacaoCPF.IMPORTACAO.value,
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
