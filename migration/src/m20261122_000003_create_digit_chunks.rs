//! The digit store: the longest verified prefix of pi's decimals, one row per fixed-size chunk, so
//! every page and download reads only the rows it shows.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DigitChunks::Table)
                    .if_not_exists()
                    // Chunk k holds decimals k*size+1 ..= (k+1)*size; only the last may be shorter.
                    .col(big_integer(DigitChunks::Idx).primary_key())
                    .col(text(DigitChunks::Digits))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(DigitChunks::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum DigitChunks {
    Table,
    Idx,
    Digits,
}
