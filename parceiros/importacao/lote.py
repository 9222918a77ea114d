"""Um lote da importação: uma consulta por tabela para o que já existe, depois gravação em massa.

O lote só compara as linhas com o que existe (as contagens da prévia) e as entrega às
primitivas em massa dos serviços: as contas pelas de ``accounts.services``
(``criar_pendentes_em_massa``, ``atualizar_pendentes_em_massa``), a numeração e os RLs pelas
de ``parceiros.services`` (``reservar_numeros_cadastro``, ``vincular_rls_em_massa``), as
mesmas que a aprovação de uma solicitação usa.
"""

from django.utils import timezone

from accounts import services as contas
from accounts.models import Usuario

from .. import services, situacao
from ..models import Parceiro, Vinculo


class Lote:
    """Um lote: uma consulta por tabela para o que já existe, depois gravações em massa."""

    def __init__(self, processamento, linhas):
        self.p = processamento
        self.linhas = linhas
        self.c = processamento.contagens
        self.agora = timezone.now()
        self.alteradas = set()

    def aplicar(self):
        cpfs = {linha.cpf for linha in self.linhas}
        self.usuarios = {
            cpf: (pk, nome, email, telefone, situacao_conta)
            for pk, cpf, nome, email, telefone, situacao_conta in Usuario.objects.filter(
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
        ids = [pk for pk, _ in self.parceiros.values()]
        for pk, parceiro_id, cpf, *mandato in Vinculo.objects.filter(
            parceiro_id__in=ids, ativo=True, papel=Vinculo.Papel.RL
        ).values_list(
            "pk", "parceiro_id", "usuario__cpf", "cargo", "mandato_inicio", "mandato_fim"
        ):
            self.rls[parceiro_id] = (pk, cpf, tuple(mandato))
        self._pessoas()
        self._organizacoes()
        self._vinculos()

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
            pk, nome, email, telefone, situacao_conta = existente
            antes = {"nome": nome, "email": email, "telefone": telefone}
            depois = {
                "nome": linha.nome,
                "email": linha.email,
                "telefone": linha.telefone or telefone,
            }
            if antes == depois:
                self.c["pessoas"]["inalterados"] += 1
            elif situacao_conta != Usuario.Situacao.PENDENTE:
                # Conta já ativada (ou bloqueada): os dados são da pessoa, não do arquivo.
                self.c["pessoas"]["mantidos"] += 1
            else:
                self.c["pessoas"]["atualizados"] += 1
                alteradas.append((pk, antes, depois))
        if not self.p.gravar:
            return
        criadas = contas.criar_pendentes_em_massa(
            ((linha.cpf, linha.nome, linha.email, linha.telefone) for linha in novas),
            agora=self.agora,
        )
        for cpf, pk in criadas.items():
            self.usuarios[cpf] = (pk, None, None, None, Usuario.Situacao.PENDENTE)
        contas.atualizar_pendentes_em_massa(
            alteradas,
            ator=self.p.ator,
            descricao=f"Importação nº {self.p.importacao.pk}" if self.p.importacao else "",
            agora=self.agora,
        )

    # Organizações
    def _organizacoes(self):
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
        criadas = services.cadastrar_parceiros_em_massa(
            {linha.cnpj: services.DadosDeCarga(*linha.organizacao) for linha in novas},
            agora=self.agora,
        )
        for cnpj, pk in criadas.items():
            self.parceiros[cnpj] = (pk, None)
        self.p.tipos_afetados.update(linha.tipo_id for linha in novas)
        for _, antes, linha in alteradas:
            if antes[2] != linha.tipo_id:
                self.p.tipos_afetados.update({antes[2], linha.tipo_id})
        services.atualizar_parceiros_em_massa(
            (
                (
                    pk,
                    linha.cnpj,
                    services.DadosDeCarga(*antes),
                    services.DadosDeCarga(*linha.organizacao),
                )
                for pk, antes, linha in alteradas
            ),
            ator=self.p.ator,
            agora=self.agora,
        )

    # Vínculos de RL
    def _vinculos(self):
        novos, alterados, trocados = [], [], []
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
                trocados.append(parceiro_id)
        if not self.p.gravar:
            return
        # A troca de RL é a de ``vincular_rl``: encerra o anterior, o RI que vira RL deixa de
        # ser RI e os pedidos abertos que o RL assina passam a esperar o novo RL.
        services.vincular_rls_em_massa(
            [
                services.NovoRL(
                    self.parceiros[linha.cnpj][0],
                    self.usuarios[linha.cpf][0],
                    linha.cargo,
                    linha.mandato_inicio,
                    linha.mandato_fim,
                )
                for linha in novos
            ],
            ator=self.p.ator,
            descricao="RL substituído pela importação",
            so_substituicoes=True,
        )
        services.atualizar_mandatos_em_massa(
            (
                (pk, self.usuarios[linha.cpf][0], antes, linha.mandato)
                for pk, antes, linha in alterados
            ),
            ator=self.p.ator,
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
