#!/usr/bin/env bash
# Trains models/trained/plate_number_reader.onnx, the vehicle licence's plate number line
# reader (plate letters and Arabic-Indic digits), in one command:
#   training/plate_numbers/train.sh     (about 30 minutes on 2 quiet cores)
# The recipe is the name reader's (training/names/train.sh, train.py --kind plate_numbers)
# on the plate number lines of flat synthetic vehicle licence fronts; the same env
# (PYTHON, CARDS, REPS, MINUTES, DATA).
set -euo pipefail
KIND=plate_numbers MINUTES=${MINUTES:-25} exec "$(dirname "$0")/../names/train.sh"
