//! The digit store: the longest verified prefix of pi's decimals, kept in fixed-size chunks so
//! that a page or a download touches only the rows it needs.

use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, sea_query::Expr,
};

use super::{Storage, StorageError, StorageResult, entities::digit_chunk};
use crate::domain::DigitCounts;

/// Decimals per stored chunk, equal to the digits shown on one page, so a page is one row.
pub const CHUNK_DIGITS: u64 = 10_000;

/// Rows per INSERT: well under every backend's limit on bound parameters.
const CHUNKS_PER_INSERT: usize = 64;

/// Decimals read at a time by whoever reads a long prefix (counting, the search index): a
/// hundred chunks, a megabyte.
pub const READ_BATCH: u64 = 100 * CHUNK_DIGITS;

impl Storage {
    /// How many decimals the store holds.
    pub async fn stored_len(&self) -> StorageResult<u64> {
        stored_len(self.pool()?).await
    }

    /// Decimals `start ..= start + count - 1` (1-based), cut short where the store ends.
    pub async fn read_digits(&self, start: u64, count: u64) -> StorageResult<Vec<u8>> {
        if count == 0 || start == 0 {
            return Ok(Vec::new());
        }
        let first = (start - 1) / CHUNK_DIGITS;
        let last = (start - 1 + count - 1) / CHUNK_DIGITS;
        let chunks = digit_chunk::Entity::find()
            .filter(digit_chunk::Column::Idx.between(chunk_key(first), chunk_key(last)))
            .order_by_asc(digit_chunk::Column::Idx)
            .all(self.pool()?)
            .await?;
        let mut out = Vec::with_capacity(count.min(CHUNK_DIGITS * 4) as usize);
        for chunk in chunks {
            let chunk_start = chunk.idx as u64 * CHUNK_DIGITS + 1;
            let bytes = chunk.digits.as_bytes();
            let from = start.saturating_sub(chunk_start) as usize;
            let to = ((start + count).saturating_sub(chunk_start) as usize).min(bytes.len());
            if from < to {
                out.extend_from_slice(&bytes[from..to]);
            }
        }
        Ok(out)
    }

    /// How many of each digit decimals `1 ..= n` of the store hold.
    pub async fn count_digits(&self, n: u64) -> StorageResult<DigitCounts> {
        let mut counts = DigitCounts::default();
        let mut start = 1;
        while start <= n {
            let count = (n + 1 - start).min(READ_BATCH);
            let decimals = self.read_digits(start, count).await?;
            if (decimals.len() as u64) < count {
                let missing = format!("stored decimals {start} to {}", start + count - 1);
                return Err(sea_orm::DbErr::RecordNotFound(missing).into());
            }
            counts.add(&DigitCounts::of(&decimals));
            start += count;
        }
        Ok(counts)
    }

    /// One stored chunk (`CHUNK_DIGITS` decimals, fewer for the last), for streaming downloads.
    pub async fn read_chunk(&self, index: u64) -> StorageResult<Option<String>> {
        Ok(digit_chunk::Entity::find_by_id(chunk_key(index))
            .one(self.pool()?)
            .await?
            .map(|chunk| chunk.digits))
    }
}

async fn stored_len(db: &impl ConnectionTrait) -> StorageResult<u64> {
    let last: Option<(i64, i64)> = digit_chunk::Entity::find()
        .select_only()
        .column(digit_chunk::Column::Idx)
        .column_as(Expr::cust("CAST(LENGTH(digits) AS BIGINT)"), "len")
        .order_by_desc(digit_chunk::Column::Idx)
        .limit(1)
        .into_tuple()
        .one(db)
        .await?;
    Ok(last.map_or(0, |(idx, len)| idx as u64 * CHUNK_DIGITS + len as u64))
}

/// Extends the store to hold all of `decimals` (the first `decimals.len()` decimals). The caller
/// has compared the first `verified_upto` with the store; any part the store gained since is
/// compared here, inside the writing transaction, so two runs can never store different digits.
pub(super) async fn extend(
    db: &impl ConnectionTrait,
    decimals: &[u8],
    verified_upto: u64,
) -> StorageResult<()> {
    // Instances completing at once would both append the same chunks: one at a time.
    super::advisory_lock(db, super::DIGIT_STORE_LOCK).await?;
    let stored = stored_len(db).await?;
    let new_len = decimals.len() as u64;
    if stored > verified_upto {
        let upto = stored.min(new_len);
        let mut position = verified_upto;
        while position < upto {
            let index = position / CHUNK_DIGITS;
            let chunk = read_chunk_in(db, index).await?;
            let chunk_start = index * CHUNK_DIGITS;
            let end = ((index + 1) * CHUNK_DIGITS).min(upto);
            let ours = &decimals[position as usize..end as usize];
            let theirs = chunk
                .as_bytes()
                .get((position - chunk_start) as usize..(end - chunk_start) as usize);
            let Some(theirs) = theirs else {
                return Err(StorageError::DigitsDisagree {
                    position: position + 1,
                });
            };
            if let Some(offset) = ours.iter().zip(theirs).position(|(a, b)| a != b) {
                return Err(StorageError::DigitsDisagree {
                    position: position + offset as u64 + 1,
                });
            }
            position = end;
        }
    }
    if new_len <= stored {
        return Ok(());
    }
    let first_index = stored / CHUNK_DIGITS;
    let chunk_of = |index: u64| {
        let from = (index * CHUNK_DIGITS) as usize;
        let to = ((index + 1) * CHUNK_DIGITS).min(new_len) as usize;
        // The engine returns ASCII digits only, so this is valid UTF-8.
        String::from_utf8_lossy(&decimals[from..to]).into_owned()
    };
    let mut next = first_index;
    if stored % CHUNK_DIGITS != 0 {
        // The last stored chunk is partial: it grows in place.
        digit_chunk::Entity::update_many()
            .col_expr(
                digit_chunk::Column::Digits,
                Expr::value(chunk_of(first_index)),
            )
            .filter(digit_chunk::Column::Idx.eq(chunk_key(first_index)))
            .exec(db)
            .await?;
        next += 1;
    }
    let last_index = (new_len - 1) / CHUNK_DIGITS;
    let indices: Vec<u64> = (next..=last_index).collect();
    for batch in indices.chunks(CHUNKS_PER_INSERT) {
        let rows = batch.iter().map(|&index| digit_chunk::ActiveModel {
            idx: Set(chunk_key(index)),
            digits: Set(chunk_of(index)),
        });
        digit_chunk::Entity::insert_many(rows)
            .exec_without_returning(db)
            .await?;
    }
    Ok(())
}

async fn read_chunk_in(db: &impl ConnectionTrait, index: u64) -> StorageResult<String> {
    digit_chunk::Entity::find_by_id(chunk_key(index))
        .one(db)
        .await?
        .map(|chunk| chunk.digits)
        .ok_or_else(|| sea_orm::DbErr::RecordNotFound(format!("digit chunk {index}")).into())
}

fn chunk_key(index: u64) -> i64 {
    i64::try_from(index).unwrap_or(i64::MAX)
}
