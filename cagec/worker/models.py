from django.db import models
from django.utils import timezone


class BatimentoWorker(models.Model):
    """O último batimento de cada worker: o beat agenda ``bater`` a cada minuto e o worker
    que a executa carimba a hora. Batimento velho: worker, beat ou broker parados."""

    hostname = models.CharField("worker", max_length=200, unique=True)
    em = models.DateTimeField("último batimento em", default=timezone.now)
    batimentos = models.PositiveBigIntegerField("batimentos", default=0)

    class Meta:
        verbose_name = "batimento do worker"
        verbose_name_plural = "batimentos do worker"
        ordering = ["-em"]

    def __str__(self) -> str:
        return f"{self.hostname} ({self.em:%d/%m/%Y %H:%M:%S})"
