from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand

from parceiros.armazenamento import (
    PASTAS_DE_DOCUMENTOS,
    varrer_arquivos_orfaos,
    varrer_temporarios_e_vazios,
)


class Command(BaseCommand):
    help = (
        "Apaga arquivos das pastas de documentos que nenhum documento do banco referencia "
        "(só os mais antigos que a carência, para não pegar um envio em andamento) e, em "
        "todo o armazenamento, temporários de gravação velhos e arquivos de 0 byte sem linha."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--carencia-horas",
            type=int,
            default=settings.ARQUIVOS_ORFAOS_CARENCIA_HORAS,
            help="Idade mínima do arquivo sem documento (padrão: ARQUIVOS_ORFAOS_CARENCIA_HORAS).",
        )
        parser.add_argument("--simular", action="store_true", help="Só lista o que seria apagado.")

    def handle(self, *args, carencia_horas, simular, **options):
        if carencia_horas < 1:
            self.stderr.write("A carência precisa ser de pelo menos 1 hora.")
            return
        sobras = varrer_temporarios_e_vazios(apagar=not simular)
        orfaos = varrer_arquivos_orfaos(
            carencia=timedelta(hours=carencia_horas), apagar=not simular
        )
        for nome in orfaos:
            self.stdout.write(nome)
        verbo = "seriam apagados" if simular else "apagados"
        for nome in sobras:
            self.stdout.write(nome)
        self.stdout.write(f"{len(sobras)} temporário(s) ou arquivo(s) de 0 byte {verbo}.")
        pastas = ", ".join(f"{p}/" for p in PASTAS_DE_DOCUMENTOS)
        self.stdout.write(f"{len(orfaos)} arquivo(s) sem documento {verbo} em {pastas}.")
