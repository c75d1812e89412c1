#!/usr/bin/env bash
# Runs the reference experiments (sheet break, ECG5000, Fashion-MNIST) over several seeds on the real data and prints each run's
# test figures, then mean and standard deviation (the README's results table comes from this).
#
#   scripts/reproduce.sh [DATA_DIR] [SEEDS...]      (default: ../shared/data, seeds 1 2 3 4 5)
set -euo pipefail
cd "$(dirname "$0")/.."
data=${1:-../shared/data}; shift || true
seeds=${*:-1 2 3 4 5}
swift build -c release --product sheet-break >/dev/null
swift build -c release --product ecg >/dev/null
swift build -c release --product fashion-mnist >/dev/null
out=$(mktemp -d)

summarize() {  # name, then lines of "a b c ..." figures
  awk -v name="$1" '{ for (i = 1; i <= NF; i++) { s[i] += $i; q[i] += $i * $i } n++; cols = NF }
    END { printf "%-28s", name; for (i = 1; i <= cols; i++) { m = s[i] / n; v = q[i] / n - m * m; if (v < 0) v = 0;
          printf "  %.3f ± %.3f", m, sqrt(v) } printf "   (n = %d)\n", n }'
}

for model in dense lstm; do
  : > "$out/$model"
  for seed in $seeds; do
    .build/release/sheet-break --model "$model" --data "$data/sheet-break.csv" --seed "$seed" --quiet \
      --output "$out/$model-$seed" > "$out/$model-$seed.log"
    # test: "precision P%  recall R%  FPR F%  F1 x  ROC AUC a  AP b"; validation ROC AUC line.
    valid=$(grep "validation ROC AUC" "$out/$model-$seed.log" | awk '{print $4}')
    grep "^precision" "$out/$model-$seed.log" | sed 's/%//g' |
      awk -v v="$valid" -v s="$seed" '{ printf "%s %s %s %s %s\n", $11, v, $4 / 100, $6 / 100, $2 / 100 }' >> "$out/$model"
    echo "sheet-break $model seed $seed: $(tail -1 "$out/$model") (test AUC, valid AUC, recall, FPR, precision)"
  done
done
: > "$out/ecg"
for seed in $seeds; do
  .build/release/ecg --data "$data/ecg.csv" --seed "$seed" --quiet --output "$out/ecg-$seed" > "$out/ecg-$seed.log"
  grep "^accuracy" "$out/ecg-$seed.log" | awk '{ print $2, $4, $6 }' >> "$out/ecg"
  echo "ecg seed $seed: $(tail -1 "$out/ecg") (accuracy, precision, recall)"
done
echo
echo "mean ± std over seeds $seeds"
echo "sheet-break (test AUC, valid AUC, recall, FPR, precision at the article threshold):"
summarize "  dense autoencoder" < "$out/dense"
summarize "  LSTM autoencoder" < "$out/lstm"
echo "ecg (accuracy, precision, recall; normal = positive):"
summarize "  dense autoencoder" < "$out/ecg"
if [ -d "$data/fashion-mnist" ]; then
  for model in basic denoise; do
    : > "$out/fashion-$model"
    for seed in $seeds; do
      .build/release/fashion-mnist --model "$model" --data "$data/fashion-mnist" --seed "$seed" --quiet \
        --output "$out/fashion-$model-$seed" > "$out/fashion-$model-$seed.log"
      grep "^val_loss" "$out/fashion-$model-$seed.log" | awk '{ print $2 }' >> "$out/fashion-$model"
      echo "fashion-mnist $model seed $seed: val_loss $(tail -1 "$out/fashion-$model")"
    done
  done
  echo "fashion-mnist (val_loss after 10 epochs):"
  awk '{ s += $1; q += $1 * $1; n++ } END { m = s / n; printf "  basic autoencoder    %.5f ± %.5f (n = %d, sample sd)\n", m, sqrt((q - n * m * m) / (n > 1 ? n - 1 : 1)), n }' "$out/fashion-basic"
  awk '{ s += $1; q += $1 * $1; n++ } END { m = s / n; printf "  denoising autoencoder %.5f ± %.5f (n = %d, sample sd)\n", m, sqrt((q - n * m * m) / (n > 1 ? n - 1 : 1)), n }' "$out/fashion-denoise"
fi
