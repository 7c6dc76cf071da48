"""Parses Prometheus text exposition from stdin with prometheus_client's
own parser and prints its samples as JSON: a list of
{"name", "labels", "value"}. A text the parser refuses fails the script."""

import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = [
    {"name": sample.name, "labels": sample.labels, "value": sample.value}
    for family in text_string_to_metric_families(sys.stdin.read())
    for sample in family.samples
]
json.dump(samples, sys.stdout)
